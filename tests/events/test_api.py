"""The loop through the JSON API, as a phone app and a desk client would drive it."""

from __future__ import annotations

import io

from civicgrid.events.models import Incident
from tests.events.conftest import IN_A1, jpeg


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _report(client, **extra):
    photo = io.BytesIO(jpeg())
    photo.name = "p.jpg"
    data = {
        "category": "0101",
        "description": "路边垃圾",
        "lng": IN_A1[0],
        "lat": IN_A1[1],
        "photos": [photo],
        **extra,
    }
    return client.post("/api/v1/events/reports", data)


def test_the_whole_loop_through_the_api(world, as_user):
    worker, staff, officer = (
        as_user(world.grid_worker), as_user(world.staff), as_user(world.officer),
    )  # fmt: skip
    made = _report(worker, client_key="k-1")
    assert made.status_code == 201, made.content
    number = made.json()["number"]
    assert made.json()["area"] == world.micro_a1.code

    case = staff.get(f"/api/v1/events/incidents/{number}").json()
    assert "register" in case["actions"] and "dispatch" not in case["actions"]
    assert case["photos"][0]["url"].endswith(f"/photos/{case['photos'][0]['id']}")
    assert staff.get(case["photos"][0]["url"]).status_code == 200

    v = _post(staff, f"/api/v1/events/incidents/{number}/register", {"version": 1}).json()
    suggestions = staff.get(f"/api/v1/events/incidents/{number}/nearest-workers").json()
    assert suggestions[0]["handler"] == f"worker:{world.grid_worker.pk}"
    handler = f"department:{world.officer.organisation_id}"
    v = _post(
        staff,
        f"/api/v1/events/incidents/{number}/dispatch",
        {"version": v["version"], "handler": handler},
    ).json()
    assert v["state"] == "dispatched" and v["handler"] == world.officer.organisation.name
    assert [t["number"] for t in officer.get("/api/v1/events/tasks").json()] == [number]
    v = _post(officer, f"/api/v1/events/incidents/{number}/accept", {"version": v["version"]})
    v = v.json()
    result = io.BytesIO(jpeg("green"))
    result.name = "done.jpg"
    v = officer.post(
        f"/api/v1/events/incidents/{number}/finish",
        {"version": v["version"], "result": "已清运", "photos": [result]},
    ).json()
    assert v["state"] == "handled"
    v = _post(worker, f"/api/v1/events/incidents/{number}/close", {"version": v["version"]})
    assert v.json()["state"] == "closed"
    rated = _post(
        worker, f"/api/v1/events/incidents/{number}/evaluate", {"satisfaction": "satisfied"}
    )
    assert rated.json()["satisfaction"] == "satisfied"
    assert [e["action"] for e in rated.json()["timeline"]] == [
        "", "register", "dispatch", "accept", "finish", "close", "evaluate",
    ]  # fmt: skip


def test_api_errors_have_stable_codes_and_change_nothing(world, as_user):
    worker, staff = as_user(world.grid_worker), as_user(world.staff)
    number = _report(worker).json()["number"]
    url = f"/api/v1/events/incidents/{number}"
    stale = _post(staff, f"{url}/register", {"version": 7})
    assert (stale.status_code, stale.json()["code"]) == (409, "workflow.stale_version")
    wrong_state = _post(staff, f"{url}/close", {"version": 1})
    assert (wrong_state.status_code, wrong_state.json()["code"]) == (
        409,
        "workflow.not_allowed_from_state",
    )
    no_reason = _post(staff, f"{url}/reject", {"version": 1, "reason": " "})
    assert (no_reason.status_code, no_reason.json()["code"]) == (400, "events.missing_field")
    not_allowed = _post(worker, f"{url}/register", {"version": 1})
    assert (not_allowed.status_code, not_allowed.json()["code"]) == (403, "permission_denied")
    bad_handler = _post(staff, f"{url}/dispatch", {"version": 1, "handler": "nobody"})
    assert bad_handler.status_code in (400, 409)
    unknown = _report(worker, category="9999")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "events.unknown_category")
    fake = io.BytesIO(b"<html>not a photo</html>")
    fake.name = "photo.jpg"
    faked = _report(worker, photos=[fake])
    assert (faked.status_code, faked.json()["code"]) == (400, "photo.not_an_image")
    assert Incident.all_objects.count() == 1
    assert staff.get(url).json()["state"] == "reported"


def test_a_resent_report_with_the_same_key_answers_200_with_the_same_case(world, as_user):
    worker = as_user(world.grid_worker)
    first = _report(worker, client_key="offline-42")
    again = worker.post(
        "/api/v1/events/reports",
        {"category": "0101", "description": "路边垃圾", "lng": IN_A1[0], "lat": IN_A1[1],
         "photos": [_named(jpeg())]},
        headers={"Idempotency-Key": "offline-42"},
    )  # fmt: skip
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    assert again.json()["created"] is False
    changed = _report(worker, client_key="offline-42", description="另一件事")
    assert (changed.status_code, changed.json()["code"]) == (409, "events.idempotency_mismatch")
    assert Incident.all_objects.count() == 1


def _named(data: bytes) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = "p.jpg"
    return f


def test_cases_are_visible_only_in_their_area_and_to_the_department_they_concern(
    world, as_user, report
):
    case = report()
    outsider, officer = as_user(world.outsider), as_user(world.officer)
    assert outsider.get(f"/api/v1/events/incidents/{case.number}").status_code == 404
    assert outsider.get("/api/v1/events/incidents").json()["count"] == 0
    # Not dispatched to the officer's department: not theirs to see.
    assert officer.get(f"/api/v1/events/incidents/{case.number}").status_code == 404
    assert as_user(world.leader).get("/api/v1/events/incidents").json()["count"] == 1


def test_a_citizen_follows_and_rates_a_case_with_its_number_and_phone(world, client):
    from civicgrid.events.services import intake, steps

    case, _ = intake.report_incident(
        category="1101", description="楼上漏水", by=world.county_operator, source="hotline",
        lng=IN_A1[0], lat=IN_A1[1], reporter_phone="13912345678",
    )  # fmt: skip
    wrong = _post(client, "/api/v1/events/track", {"number": case.number, "phone": "13900000000"})
    unknown = _post(client, "/api/v1/events/track", {"number": "X", "phone": "13912345678"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json()["code"] == unknown.json()["code"] == "events.tracking_not_found"
    seen = _post(client, "/api/v1/events/track", {"number": case.number, "phone": "139 1234 5678"})
    assert seen.json()["state"] == "reported"
    assert "county" not in str(seen.json())  # no staff names
    early = _post(
        client,
        "/api/v1/events/track/evaluate",
        {"number": case.number, "phone": "13912345678", "satisfaction": "satisfied"},
    )
    assert (early.status_code, early.json()["code"]) == (409, "events.not_closed")
    for name, by in (("register", world.staff),):
        getattr(steps, name)(incident=case, by=by, version=case.flow.version)
    steps.dispatch(
        incident=case, to=steps.Handler("community", world.community_a.code), by=world.staff,
        version=case.flow.version,
    )  # fmt: skip
    steps.accept(incident=case, by=world.staff, version=case.flow.version)
    steps.finish(incident=case, by=world.staff, version=case.flow.version, result="已调解")
    steps.close(incident=case, by=world.town_operator, version=case.flow.version)
    rated = _post(
        client,
        "/api/v1/events/track/evaluate",
        {"number": case.number, "phone": "13912345678", "satisfaction": "basic", "comment": "ok"},
    )
    assert rated.status_code == 200
    assert rated.json()["satisfaction"] == "basic"


def _case(client, world, **extra):
    made = _report(client, **extra)
    assert made.status_code == 201, made.content
    return made.json()["number"]


def _act(client, number, action, **body):
    response = _post(client, f"/api/v1/events/incidents/{number}/{action}", body)
    assert response.status_code == 200, (action, response.content)
    return response.json()


def test_the_rework_path_through_the_api(world, as_user):
    worker, staff = as_user(world.grid_worker), as_user(world.staff)
    number = _case(worker, world)
    v = _act(staff, number, "register", version=1)["version"]
    handler = f"worker:{world.grid_worker.pk}"
    v = _act(staff, number, "dispatch", version=v, handler=handler)["version"]
    v = _act(worker, number, "accept", version=v)["version"]
    done = worker.post(
        f"/api/v1/events/incidents/{number}/finish",
        {"version": v, "result": "已清理", "photos": [_named(jpeg())]},
    ).json()
    again = _act(staff, number, "rework", version=done["version"], reason="仍有垃圾")
    assert (again["state"], again["rework_count"]) == ("handling", 1)
    assert again["timeline"][-1]["reason"] == "仍有垃圾"


def test_the_reject_path_through_the_api(world, as_user):
    worker, staff = as_user(world.grid_worker), as_user(world.staff)
    number = _case(worker, world)
    rejected = _act(staff, number, "reject", version=1, reason="不在管辖范围")
    assert rejected["state"] == "rejected"
    assert rejected["closed_at"] is not None
    assert rejected["actions"] == ["comment"]


def test_the_escalation_path_through_the_api_up_to_the_county(world, as_user):
    worker, staff = as_user(world.grid_worker), as_user(world.staff)
    town, county = as_user(world.town_operator), as_user(world.county_operator)
    number = _case(worker, world)
    v = _act(staff, number, "register", version=1)["version"]
    at_town = _act(staff, number, "escalate", version=v, note="需要多部门")
    assert (at_town["level"], at_town["desk"]) == (1, world.town_a.code)
    refused = _post(
        staff, f"/api/v1/events/incidents/{number}/escalate", {"version": at_town["version"]}
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "events.not_your_desk")
    at_county = _act(town, number, "escalate", version=at_town["version"], note="街道无法协调")
    assert (at_county["level"], at_county["desk"]) == (2, world.county.code)
    summoned = _act(county, number, "summon", departments=[world.officer.organisation_id])
    assert summoned["timeline"][-1]["action"] == "summon"
    officer = as_user(world.officer)
    (pending,) = officer.get("/api/v1/events/summonses").json()
    acknowledged = _post(
        officer, f"/api/v1/events/summonses/{pending['id']}/acknowledge", {"note": "到"}
    )
    assert acknowledged.status_code == 200
    dispatched = _act(
        county,
        number,
        "dispatch",
        version=summoned["version"],
        handler=f"department:{world.officer.organisation_id}",
    )
    assert dispatched["state"] == "dispatched"


def test_the_merge_path_through_the_api(world, as_user):
    worker, staff = as_user(world.grid_worker), as_user(world.staff)
    first = _case(worker, world)
    second = _case(worker, world, lng=IN_A1[0] + 0.0005)
    (candidate,) = staff.get(f"/api/v1/events/incidents/{second}/duplicates").json()
    assert candidate["number"] == first
    merged = _act(staff, second, "merge", version=1, into=first)
    assert (merged["state"], merged["merged_into"]) == ("merged", first)
