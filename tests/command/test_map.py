"""One map: clusters by zoom that add up, a bounded payload at any zoom, scope, layers, nearest."""

from __future__ import annotations

import json

import pytest
from django_scopes import scope
from hypothesis import given, settings
from hypothesis import strategies as st

from civicgrid.command import map as maps
from civicgrid.events.selectors import incidents_visible_to
from civicgrid.events.services import escalation, steps
from tests.command.conftest import bulk_cases
from tests.events.conftest import IN_A1, IN_A2, IN_B1
from tests.resources.conftest import add  # noqa: F401 - fixture

M = "/api/v1/command/map"
WHOLE = "117.5,30.5,120.5,33.5"
A1_BOX = "118,31,119,32"


def _map(client, **params):
    return client.get(M, {"bbox": WHOLE, "zoom": "8", **params})


@pytest.mark.parametrize(
    ("bbox", "zoom", "code"),
    [
        ("118,31,119", "8", "command.map.bad_bbox"),
        ("a,b,c,d", "8", "command.map.bad_bbox"),
        ("119,31,118,32", "8", "command.map.bad_bbox"),  # west > east
        ("118,32,119,31", "8", "command.map.bad_bbox"),  # south > north
        ("118,31,181,32", "8", "command.map.bad_bbox"),
        ("nan,31,119,32", "8", "command.map.bad_bbox"),
        ("118,31,118,32", "8", "command.map.bad_bbox"),  # no width
        (A1_BOX, "x", "command.map.bad_zoom"),
        (A1_BOX, "-1", "command.map.bad_zoom"),
        (A1_BOX, "23", "command.map.bad_zoom"),
        (A1_BOX, "7.5", "command.map.bad_zoom"),
    ],
)
def test_a_bad_view_box_or_zoom_is_a_clear_400(world, as_user, bbox, zoom, code):
    answer = as_user(world.town_operator).get(M, {"bbox": bbox, "zoom": zoom})
    assert (answer.status_code, answer.json()["code"]) == (400, code)


def test_bad_filters_are_a_clear_400(world, as_user):
    client = as_user(world.town_operator)
    for params, code in [
        ({"state": "lost"}, "command.map.bad_state"),
        ({"category": "abc"}, "command.map.bad_category"),
        ({"layers": "cases,tanks"}, "command.map.bad_layer"),
        ({"kinds": "helipad"}, "resources.unknown_kind"),
    ]:
        answer = _map(client, **params)
        assert (answer.status_code, answer.json()["code"]) == (400, code), params


def test_clusters_add_up_to_the_cases_in_the_box(world, as_user, monkeypatch):
    monkeypatch.setattr(maps, "FEW_POINTS", 0)
    bulk_cases(world, 120, seed=1)  # in A1
    bulk_cases(world, 80, box=(118.0, 32.0, 119.0, 33.0), region=world.micro_a2.code, seed=2,
               state="handling")  # fmt: skip
    client = as_user(world.town_operator)
    for zoom in ("3", "7", "9", "11"):
        cases = client.get(M, {"bbox": A1_BOX, "zoom": zoom}).json()["cases"]
        assert cases["mode"] == "clusters" and cases["total"] == 120
        assert sum(c["count"] for c in cases["clusters"]) == 120
        assert all(sum(c["states"].values()) == c["count"] for c in cases["clusters"])
        assert all(118 <= c["lng"] <= 119 and 31 <= c["lat"] <= 32 for c in cases["clusters"])
    whole = _map(client, zoom="9").json()["cases"]
    assert whole["total"] == 200
    states = {}
    for c in whole["clusters"]:
        for state, n in c["states"].items():
            states[state] = states.get(state, 0) + n
    assert states == {"registered": 120, "handling": 80}
    # Closer in, the same cases fall into more, smaller cells.
    assert len(_map(client, zoom="11").json()["cases"]["clusters"]) > len(
        _map(client, zoom="6").json()["cases"]["clusters"]
    )


def test_few_cases_or_a_street_view_come_as_points(world, as_user, report):
    near = report(at=(118.5, 31.5))
    report(at=(118.9, 31.9))
    client = as_user(world.town_operator)
    cases = client.get(M, {"bbox": "118.49,31.49,118.51,31.51", "zoom": "16"}).json()["cases"]
    assert cases["mode"] == "points"
    assert [p["number"] for p in cases["points"]] == [near.number]
    assert cases["points"][0]["state"] == "reported"


def test_the_payload_is_bounded_at_any_zoom(world, as_user, monkeypatch):
    monkeypatch.setattr(maps, "MAX_POINTS", 50)
    monkeypatch.setattr(maps, "FEW_POINTS", 10)
    monkeypatch.setattr(maps, "MAX_CELLS", 64)
    bulk_cases(world, 300, seed=3)
    client = as_user(world.town_operator)
    for zoom in range(0, 23, 2):
        answer = client.get(M, {"bbox": "-180,-90,180,90", "zoom": str(zoom)})
        cases = answer.json()["cases"]
        assert cases["total"] == 300
        assert cases["mode"] == "clusters" and len(cases["clusters"]) <= 64
        assert sum(c["count"] for c in cases["clusters"]) == 300
        assert len(answer.content) < 64 * 400


@settings(max_examples=200, deadline=None)
@given(
    west=st.floats(-180, 179.9),
    south=st.floats(-90, 89.9),
    width=st.floats(1e-6, 360),
    height=st.floats(1e-6, 180),
    zoom=st.integers(0, maps.MAX_ZOOM),
)
def test_no_view_has_more_cells_than_the_cap(west, south, width, height, zoom):
    east, north = min(180.0, west + width), min(90.0, south + height)
    if not (west < east and south < north):
        return
    view = maps.View(west, south, east, north, zoom)
    w, h = view.cell()
    # Cells are snapped to a world-wide grid; count the ones the box touches independently.
    columns = int((east // w) - (west // w)) + 1
    rows = int((north // h) - (south // h)) + 1
    assert columns * rows <= maps.MAX_CELLS


def test_the_sibling_town_sees_nothing_of_town_a(world, as_user, report, add):  # noqa: F811
    report(at=IN_A1)
    add()
    report(at=IN_B1, by=world.outsider)
    body = _map(as_user(world.outsider)).json()
    assert body["cases"]["total"] == 1
    assert [p["lng"] for p in body["cases"]["points"]] == [IN_B1[0]]
    assert body["resources"]["items"] == []
    assert body["workers"] is None  # positions are for the desks


def test_a_department_officer_sees_only_the_cases_of_their_department(world, as_user, report):
    theirs = report()
    steps.register(incident=theirs, by=world.staff, version=1)
    org = world.officer.organisation_id
    steps.dispatch(
        incident=theirs, to=steps.Handler("department", str(org)), by=world.staff, version=2
    )
    summoned = report(at=IN_A2)
    escalation.summon(incident=summoned, departments=[org], by=world.staff)
    report()  # someone else's
    points = _map(as_user(world.officer)).json()["cases"]["points"]
    assert sorted(p["number"] for p in points) == sorted([theirs.number, summoned.number])
    with scope(region=world.officer.region_code):
        same = set(maps.map_incidents(world.officer).values_list("number", flat=True))
        assert same == set(incidents_visible_to(world.officer).values_list("number", flat=True))


def test_filters_narrow_the_cases(world, as_user, report):
    report(category="0101")
    urgent = report(category="0101", priority=2)
    other = report(category="1101")
    client = as_user(world.town_operator)
    numbers = lambda **p: sorted(x["number"] for x in _map(client, **p).json()["cases"]["points"])  # noqa: E731
    assert numbers(emergency="true") == [urgent.number]
    assert numbers(category="11") == [other.number]
    assert numbers(state="registered") == []
    assert len(numbers()) == 3


def test_layers_follow_the_users_rights(world, as_user, add):  # noqa: F811
    add()
    worker = _map(as_user(world.grid_worker)).json()
    assert worker["workers"] is None and len(worker["resources"]["items"]) == 1
    officer = _map(as_user(world.officer)).json()
    assert officer["resources"] is None and officer["workers"] is None
    desk = _map(as_user(world.town_operator), layers="resources").json()
    assert desk["cases"] is None and desk["workers"] is None and desk["resources"]["items"]
    assert as_user(world.admin).get(M, {"bbox": WHOLE, "zoom": "8"}).status_code == 403


def test_a_grid_workers_check_in_puts_them_on_the_desks_map(world, as_user):
    worker = as_user(world.grid_worker)
    answer = worker.post(
        "/api/v1/command/checkin", {"lng": 118.6, "lat": 31.4}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    items = _map(as_user(world.town_operator)).json()["workers"]["items"]
    assert [(w["id"], w["lng"], w["lat"], w["fresh"]) for w in items] == [
        (world.grid_worker.pk, 118.6, 31.4, True)
    ]
    assert _map(as_user(world.county_operator)).json()["workers"]["items"]
    # The sibling town's desk sees its own workers only.
    town_b = as_user(_town_b_desk(world))
    assert _map(town_b).json()["workers"]["items"] == []


def test_a_check_in_must_be_a_real_place_by_a_field_worker(world, as_user):
    def post(user, body):
        return as_user(user).post("/api/v1/command/checkin", body, content_type="application/json")

    outside = post(world.grid_worker, {"lng": 121.5, "lat": 35.0})
    assert (outside.status_code, outside.json()["code"]) == (400, "command.checkin.outside_area")
    bad = post(world.grid_worker, {"lng": 500, "lat": 31})
    assert (bad.status_code, bad.json()["code"]) == (400, "locate.invalid_coordinates")
    assert post(world.town_operator, {"lng": 118.5, "lat": 31.5}).status_code == 403
    assert post(world.officer, {"lng": 118.5, "lat": 31.5}).status_code == 403


def test_who_is_nearest_to_a_case(world, as_user, report, add):  # noqa: F811
    incident = report(at=(118.5, 31.5))
    far = add(name="远的避难场所", at=(118.8, 31.8))
    near = add(kind="aed", name="近的AED", at=(118.502, 31.5), contact_phone="13912345678")
    desk = as_user(world.staff).get(f"/api/v1/command/incidents/{incident.number}/nearest").json()
    assert desk["incident"]["url"] == f"/events/{incident.number}/"
    assert [r["id"] for r in desk["resources"]] == [near.pk, far.pk]
    assert desk["resources"][0]["distance_m"] < 250
    assert desk["resources"][0]["contact_phone"] == "13912345678"
    assert desk["workers"][0]["handler"] == f"worker:{world.grid_worker.pk}"
    only_aed = as_user(world.staff).get(
        f"/api/v1/command/incidents/{incident.number}/nearest", {"kind": "aed"}
    )
    assert [r["id"] for r in only_aed.json()["resources"]] == [near.pk]
    leader = as_user(world.leader).get(f"/api/v1/command/incidents/{incident.number}/nearest")
    assert leader.json()["workers"] is None and leader.json()["resources"]
    worker = as_user(world.grid_worker).get(f"/api/v1/command/incidents/{incident.number}/nearest")
    assert worker.json()["resources"][0]["contact_phone"] == "139****5678"
    outsider = as_user(world.outsider).get(f"/api/v1/command/incidents/{incident.number}/nearest")
    assert outsider.status_code == 404


def test_the_map_page_draws_from_our_own_apis_only(world, as_user):
    page = as_user(world.town_operator).get("/command/map/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/command/map.js" in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    texts = json.loads(
        html.split('id="map-texts" type="application/json">')[1].split("</script>")[0]
    )
    assert "reported" in texts["states"] and "shelter" in texts["kinds"]
    assert as_user(world.admin).get("/command/map/").status_code == 403


def _town_b_desk(world):
    from tests import factories as f

    return f.user("tina_town_b", "town_operator", world.town_b.code)


def test_the_map_answer_matches_its_documented_schema(world, as_user, report, add):  # noqa: F811
    from civicgrid.command.api_board import MapOut

    report()
    add()
    as_user(world.grid_worker).post(
        "/api/v1/command/checkin", {"lng": 118.6, "lat": 31.4}, content_type="application/json"
    )
    for zoom in ("3", "16"):
        body = _map(as_user(world.town_operator), zoom=zoom).json()
        assert MapOut.model_validate(body).model_dump(mode="json") == body
