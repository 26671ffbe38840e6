"""Stories of locating points through the API: inside, on a border, outside, out of scope."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from civicgrid.regions.locate import bump_boundaries_version
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def located(world):
    bump_boundaries_version()  # the world was written without the services that bump it
    return world


def test_a_point_inside_gives_its_micro_grid_and_the_chain_from_my_node(located, as_user):
    body = as_user(located.town_operator).get("/api/v1/locate", {"lng": 118.5, "lat": 31.5}).json()
    assert body["micro_grid"] == "320113002001001001"
    assert [n["code"] for n in body["chain"]] == [
        "320113002",
        "320113002001",
        "320113002001001",
        "320113002001001001",
    ]
    assert body["chain"][-1]["name"] == "第1网格第1微网格"


def test_a_point_on_the_border_of_two_micro_grids_goes_to_the_smaller_code(located, as_user):
    body = as_user(located.county_operator).get("/api/v1/locate", {"lng": 118.5, "lat": 32.0})
    assert body.json()["micro_grid"] == "320113002001001001"


def test_a_point_outside_every_micro_grid_gets_a_clear_outside_answer(located, as_user):
    response = as_user(located.admin).get(
        "/api/v1/locate", {"lng": 125.0, "lat": 31.5}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "locate.outside_area"
    assert "not inside any micro-grid" in response.json()["message"]


def test_a_point_in_the_sibling_town_is_outside_my_area(located, as_user):
    response = as_user(located.grid_worker).get("/api/v1/locate", {"lng": 119.5, "lat": 31.5})
    assert response.status_code == 404
    assert response.json()["code"] == "locate.outside_area"


@pytest.mark.parametrize(
    ("lng", "lat", "status", "code"),
    [
        ("181", "31", 400, "locate.invalid_coordinates"),
        ("118", "-91", 400, "locate.invalid_coordinates"),
        ("nan", "31", 400, "locate.invalid_coordinates"),
        ("east", "31", 422, "request.invalid"),
    ],
)
def test_bad_coordinates_get_a_stable_error_code(located, as_user, lng, lat, status, code):
    response = as_user(located.admin).get("/api/v1/locate", {"lng": lng, "lat": lat})
    assert response.status_code == status
    assert response.json()["code"] == code


def test_a_batch_answers_each_point_in_order(located, as_user):
    points = [[118.5, 31.5], [118.5, 32.5], [119.5, 31.5], [10.0, 10.0]]
    body = (
        as_user(located.town_operator)
        .post("/api/v1/locate/batch", {"points": points}, content_type="application/json")
        .json()
    )
    assert body["micro_grids"] == ["320113002001001001", "320113002001001002", None, None]
    assert (body["found"], body["outside"]) == (2, 2)


def test_a_batch_with_one_bad_point_is_refused_whole(located, as_user):
    response = as_user(located.admin).post(
        "/api/v1/locate/batch",
        {"points": [[118.5, 31.5], [118.5, 95.0]]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "locate.invalid_coordinates"


def test_a_batch_over_the_limit_is_refused(located, as_user):
    response = as_user(located.admin).post(
        "/api/v1/locate/batch",
        {"points": [[118.5, 31.5]] * 10_001},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["code"] == "request.invalid"


def test_a_session_post_without_the_csrf_token_is_refused(located):
    client = Client(enforce_csrf_checks=True)
    client.force_login(located.admin)
    response = client.post(
        "/api/v1/locate/batch",
        json.dumps({"points": [[118.5, 31.5]]}),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_the_index_follows_a_boundary_change_made_elsewhere(located):
    import shapely

    from civicgrid.regions.models import Region

    client = client_for(located.admin)
    assert client.get("/api/v1/locate", {"lng": 125.5, "lat": 31.5}).status_code == 404
    # Another process moves micro-grid B1 to the east and records the change.
    Region.all_objects.filter(code="320113003001001001").update(
        boundary=shapely.to_wkb(shapely.box(125.0, 31.0, 126.0, 32.0))
    )
    bump_boundaries_version()
    assert (
        client.get("/api/v1/locate", {"lng": 125.5, "lat": 31.5}).json()["micro_grid"]
        == "320113003001001001"
    )
