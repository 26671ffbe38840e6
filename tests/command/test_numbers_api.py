"""The numbers in the JSON API and on the page: the same figures, scoped to the user's area."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

API = "/api/v1/command/numbers"
NOV = {"start": "2026-11-01", "end": "2026-12-01"}
TOWN_A, TOWN_B = "320113002", "320113003"


def get(client, path, **params):
    return client.get(f"{API}/{path}", {**NOV, **params})


def test_the_summary_gives_every_indicator_with_the_case_list_behind_it(november, world, as_user):
    body = get(as_user(world.town_operator), "summary").json()
    assert body["area"]["code"] == TOWN_A
    ind = body["indicators"]
    assert (ind["reports"], ind["dispatch_rate"], ind["handle_rate"]) == (7, 0.5, 0.8)
    assert (ind["close_rate"], ind["rework_rate"], ind["satisfaction_rate"]) == (
        0.6667,
        0.2,
        0.6667,
    )
    assert body["score"] == 68.0
    closed = parse_qs(urlparse(body["cases"]["closed"]).query)
    assert closed["step"] == ["close"] and closed["area"] == [TOWN_A]
    assert closed["since"] == ["2026-11-01T00:00:00+08:00"]


def test_the_case_list_behind_a_number_holds_the_cases_counted(november, world, as_user):
    client = as_user(world.town_operator)
    body = get(client, "summary").json()
    listed = client.get(body["cases"]["closed"]).json()
    assert listed["count"] == body["indicators"]["closed"] == 3
    listed = client.get(body["cases"]["reworked"]).json()
    assert {c["number"] for c in listed["items"]} == {november["c2"].number}
    listed = client.get(body["cases"]["reports"]).json()
    assert listed["count"] == 7


def test_the_assessment_bundles_the_page_numbers(november, world, as_user):
    body = get(as_user(world.county_operator), "assessment").json()
    assert body["summary"]["area"]["code"] == "320113"
    assert [a["code"] for a in body["areas"]] == [TOWN_A, TOWN_B]
    assert body["areas"][0]["rank"] == 1
    assert body["departments"][0]["id"] == world.officer.organisation_id
    assert body["categories"][0]["code"] == "11"


def test_every_list_answers(november, world, as_user):
    client = as_user(world.leader)
    assert get(client, "areas").status_code == 200
    assert get(client, "departments").json()[0]["indicators"]["handled"] == 4
    workers = get(client, "workers", area=TOWN_A).json()
    assert workers["total"] == 1 and workers["rows"][0]["indicators"]["reports"] == 7
    assert get(client, "categories", by="subclass").json()[0]["code"] == "1101"
    trend = get(client, "trend").json()
    assert trend["step"] == "day" and len(trend["points"]) == 30
    assert client.get(f"{API}/weights").json()["weights"]["close_rate"] == 25


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"start": ""}, 400, "command.period_required"),
        ({"end": "2026-10-01"}, 400, "command.period_reversed"),
        ({"start": "2020-01-01"}, 400, "command.period_too_long"),
        ({"start": "2026-13-01"}, 400, "command.bad_date"),
        ({"weights": "dispatch_rate:50"}, 400, "command.bad_weights"),
        ({"area": TOWN_B}, 404, "command.not_found"),
        ({"area": "320113099"}, 404, "command.not_found"),
        ({"area": "32011300200100"}, 400, "command.bad_area"),
        ({"area": "320113002001001"}, 400, "command.area_too_fine"),
    ],
)
def test_bad_input_gets_a_clear_error_and_nothing_from_the_wrong_scope(
    world, as_user, params, status, code
):
    response = get(as_user(world.town_operator), "summary", **params)
    assert response.status_code == status
    assert response.json()["code"] == code


def test_custom_weights_rank_by_what_the_caller_weighs(november, world, as_user):
    weights = "dispatch_rate:0,handle_rate:0,close_rate:0,rework_free_rate:0,satisfaction_rate:100"
    body = get(as_user(world.town_operator), "summary", weights=weights).json()
    assert body["score"] == 66.67 and body["weights"]["satisfaction_rate"] == 100


def test_an_area_weighs_as_its_nearest_weights_say(november, world, as_user):
    from civicgrid.command.models import ScoreWeights

    ScoreWeights.objects.create(
        region_id="320113",
        dispatch_rate=100,
        handle_rate=0,
        close_rate=0,
        rework_free_rate=0,
        satisfaction_rate=0,
    )
    body = get(as_user(world.town_operator), "summary").json()
    assert body["score"] == 50.0 and body["weights"]["dispatch_rate"] == 100


def test_community_staff_see_their_community_only(november, world, as_user):
    client = as_user(world.staff)
    assert get(client, "summary").json()["area"]["code"] == "320113002001"
    assert get(client, "summary", area=TOWN_A).status_code == 404
    assert get(client, "areas").json() == []


def test_roles_without_the_numbers_are_refused(world, as_user):
    assert get(as_user(world.grid_worker), "summary").status_code == 403
    assert get(as_user(world.officer), "summary").status_code == 403
    assert get(as_user(world.outsider), "summary", area=TOWN_A).status_code == 404


def test_the_page_shows_the_same_numbers_as_the_api(november, world, as_user):
    client = as_user(world.county_operator)
    page = client.get("/command/numbers/", NOV)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-kpi="reports"><span>' in html
    body = get(client, "summary").json()
    assert f"<strong>{body['indicators']['reports']}</strong>" in html
    assert "50.00%" in html  # dispatched on time, as the API's 0.5
    assert 'id="trend-data"' in html and "vendor/echarts/echarts.min.js" in html
    assert 'data-code="320113002"' in html


def test_the_page_refuses_a_reversed_period_beside_the_form(world, as_user):
    page = as_user(world.town_operator).get(
        "/command/numbers/", {"start": "2026-12-01", "end": "2026-11-01"}
    )
    assert page.status_code == 400
    assert 'data-code="command.period_reversed"' in page.content.decode()


def test_the_page_without_a_period_shows_this_month(world, as_user):
    page = as_user(world.leader).get("/command/numbers/")
    assert page.status_code == 200
