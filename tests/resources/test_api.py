"""The register through /api/v1/resources: scope first, then rights; phones masked in lists."""

from __future__ import annotations

from tests.resources.conftest import IN_A1, IN_A2, IN_B1, NOWHERE

R = "/api/v1/resources"


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _patch(client, url, body):
    return client.patch(url, body, content_type="application/json")


def test_a_desk_adds_changes_and_retires_a_resource(world, as_user):
    desk = as_user(world.town_operator)
    made = _post(
        desk,
        R,
        {"kind": "shelter", "name": "尧化门小学避难场所", "lng": IN_A1[0], "lat": IN_A1[1],
         "capacity": 1200, "capacity_unit": "人", "contact_name": "王主任",
         "contact_phone": "13912345678"},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["area"] == world.micro_a1.code and body["contact_phone"] == "13912345678"

    moved = _patch(desk, f"{R}/{body['id']}", {"lng": IN_A2[0], "lat": IN_A2[1], "capacity": None})
    assert moved.status_code == 200, moved.content
    assert moved.json()["area"] == world.micro_a2.code and moved.json()["capacity"] is None

    gone = _post(desk, f"{R}/{body['id']}/deactivate", {"reason": "改建"})
    assert gone.json()["is_active"] is False
    assert desk.get(R).json()["items"] == []
    assert len(desk.get(R, {"include_inactive": True}).json()["items"]) == 1


def test_grid_workers_see_the_register_with_phones_masked(world, as_user, add):
    add(contact_phone="13912345678")
    rows = as_user(world.grid_worker).get(R).json()["items"]
    assert [r["contact_phone"] for r in rows] == ["139****5678"]
    one = as_user(world.grid_worker).get(f"{R}/{rows[0]['id']}").json()
    assert one["contact_phone"] == "139****5678"
    assert as_user(world.staff).get(R).json()["items"][0]["contact_phone"] == "13912345678"


def test_grid_workers_and_leaders_cannot_change_the_register(world, as_user, add):
    shelter = add()
    for user in (world.grid_worker, world.leader):
        client = as_user(user)
        assert _patch(client, f"{R}/{shelter.pk}", {"name": "x"}).status_code == 403
        assert _post(client, f"{R}/{shelter.pk}/deactivate", {}).status_code == 403
        body = {"kind": "aed", "name": "AED", "lng": IN_A1[0], "lat": IN_A1[1]}
        assert _post(client, R, body).status_code == 403


def test_the_sibling_town_sees_nothing_of_town_a(world, as_user, add):
    shelter = add()
    outsider = as_user(world.outsider)
    assert outsider.get(R).json()["items"] == []
    assert outsider.get(f"{R}/{shelter.pk}").status_code == 404
    assert outsider.get(R, {"area": world.town_a.code}).status_code == 404
    near = outsider.get(f"{R}/nearest", {"lng": IN_A1[0], "lat": IN_A1[1]})
    assert near.status_code == 200 and near.json() == []


def test_department_officers_do_not_read_the_register(world, as_user, add):
    shelter = add()
    officer = as_user(world.officer)
    assert officer.get(R).status_code == 403
    assert officer.get(f"{R}/{shelter.pk}").status_code == 403


def test_bad_input_answers_with_a_stable_code(world, as_user):
    desk = as_user(world.town_operator)
    base = {"kind": "shelter", "name": "避难场所", "lng": IN_A1[0], "lat": IN_A1[1]}
    cases = [
        ({"kind": "helipad"}, "resources.unknown_kind"),
        ({"contact_phone": "110"}, "resources.bad_phone"),
        ({"lng": NOWHERE[0], "lat": NOWHERE[1]}, "resources.outside_area"),
        ({"lng": IN_B1[0], "lat": IN_B1[1]}, "resources.outside_area"),
        ({"capacity": -5}, "resources.bad_capacity"),
        ({"lng": 500}, "locate.invalid_coordinates"),
    ]
    for change, code in cases:
        answer = _post(desk, R, base | change)
        assert (answer.status_code, answer.json()["code"]) == (400, code), change
    assert desk.get(R, {"kind": "helipad"}).json()["code"] == "resources.unknown_kind"
    assert desk.get(R, {"area": "123"}).json()["code"] == "regions.malformed_code"
    assert desk.get(R).json()["items"] == []


def test_nearest_to_a_point_lists_resources_with_distances(world, as_user, add):
    add(name="远", at=(118.6, 31.6))
    add(name="近", at=(118.501, 31.501), kind="aed")
    rows = as_user(world.grid_worker).get(f"{R}/nearest", {"lng": 118.5, "lat": 31.5}).json()
    assert [r["name"] for r in rows] == ["近", "远"]
    assert rows[0]["distance_m"] < rows[1]["distance_m"]
    only = as_user(world.grid_worker).get(
        f"{R}/nearest", {"lng": 118.5, "lat": 31.5, "kind": ["shelter"]}
    )
    assert [r["name"] for r in only.json()] == ["远"]


def test_the_types_are_listed_for_forms_and_filters(world, as_user):
    kinds = as_user(world.grid_worker).get(f"{R}/kinds").json()
    assert {k["code"] for k in kinds} >= {"shelter", "aed", "fire_station", "medical_point"}
