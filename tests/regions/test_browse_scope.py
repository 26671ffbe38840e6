"""Stories of browsing the place tree: everyone sees their own subtree and nothing else."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_grid_worker_sees_their_own_grid_with_its_micro_grids(world, as_user):
    response = as_user(world.grid_worker).get("/api/v1/regions/320113002001001/children")
    assert response.status_code == 200
    assert [r["code"] for r in response.json()] == ["320113002001001001", "320113002001001002"]


def test_it_returns_404_for_a_micro_grid_in_the_sibling_town(world, as_user):
    response = as_user(world.grid_worker).get("/api/v1/regions/320113003001001001")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_grid_worker_cannot_read_the_town_above_them(world, as_user):
    assert as_user(world.grid_worker).get("/api/v1/regions/320113002").status_code == 404


def test_the_county_operator_sees_both_towns(world, as_user):
    response = as_user(world.county_operator).get("/api/v1/regions/320113/children")
    assert [r["code"] for r in response.json()] == ["320113002", "320113003"]


def test_search_finds_only_areas_inside_the_users_subtree(world, as_user):
    mine = as_user(world.town_operator).get("/api/v1/regions/search", {"q": "网格"}).json()
    assert mine and all(r["code"].startswith("320113002") for r in mine)
    by_code = as_user(world.town_operator).get("/api/v1/regions/search", {"q": "320113003"})
    assert by_code.json() == []


def test_a_malformed_code_gets_a_stable_error_code(world, as_user):
    response = as_user(world.admin).get("/api/v1/regions/32x1")
    assert response.status_code == 400
    assert response.json()["code"] == "regions.malformed_code"


def test_the_error_message_follows_the_requests_language(world, as_user):
    client = as_user(world.admin)
    en = client.get("/api/v1/regions/32x1", HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    zh = client.get("/api/v1/regions/32x1", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["message"]
    assert "region code" in en
    assert en != zh


def test_the_map_of_a_town_has_a_feature_for_each_community(world, as_user):
    data = as_user(world.town_operator).get("/api/v1/regions/320113002/map").json()
    assert data["region"]["properties"]["code"] == "320113002"
    codes = [feat["properties"]["code"] for feat in data["children"]["features"]]
    assert codes == ["320113002001"]
    assert data["children"]["features"][0]["geometry"]["type"] == "Polygon"


def test_the_browse_page_shows_breadcrumbs_from_the_users_own_node(world, as_user):
    page = as_user(world.town_operator).get("/regions/320113002001001/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "尧化街道" in html and "尧化门社区" in html
    assert "栖霞区" not in html.split('data-testid="breadcrumbs"')[1].split("</nav>")[0]


def test_the_browse_page_is_404_outside_the_users_area(world, as_user):
    assert as_user(world.grid_worker).get("/regions/320113003/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(world, client):
    response = client.get("/regions/32/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/api/v1/regions/32").status_code == 401
