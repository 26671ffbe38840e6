"""The desk's pages: my tasks, the case list and its filters, the case page and its actions,
and a citizen following a case by number and phone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from civicgrid.events import throttle
from civicgrid.events.models import Incident, Summons
from civicgrid.events.services import escalation, intake, steps
from civicgrid.events.services.steps import Handler
from civicgrid.events.templatetags.casework import due
from civicgrid.workflow.models import Flow
from tests.events.conftest import IN_A1, IN_A2, IN_B1, ROAD, jpeg


@pytest.fixture(autouse=True)
def _no_lookups_counted():
    cache.clear()  # the tracking throttle counts in the cache
    yield
    cache.clear()


def _v(case: Incident) -> int:
    case.flow.refresh_from_db()
    return case.flow.version


def _act(client, case: Incident, action: str, version: int | None = None, **data):
    data.setdefault("version", _v(case) if version is None else version)
    return client.post(f"/events/{case.number}/act/{action}/", data)


def _error_code(response) -> str:
    found = re.search(r'data-testid="error" data-code="([^"]+)"', response.content.decode())
    return found.group(1) if found else ""


def _numbers(response) -> set[str]:
    return set(re.findall(r'data-testid="case-row" data-number="(\w+)"', response.content.decode()))


def _offered(response) -> set[str]:
    return set(re.findall(r'data-testid="act-(\w+)"', response.content.decode()))


def _state(case: Incident) -> str:
    case.refresh_from_db()
    case.flow.refresh_from_db()
    return case.flow.state


def _registered(world, case: Incident) -> Incident:
    steps.register(incident=case, by=world.staff, version=_v(case))
    return case


def _to_department(world, case: Incident) -> Incident:
    _registered(world, case)
    department = Handler("department", str(world.officer.organisation_id))
    steps.dispatch(incident=case, to=department, by=world.staff, version=_v(case))
    return case


def _handled(world, case: Incident) -> Incident:
    _to_department(world, case)
    steps.accept(incident=case, by=world.officer, version=_v(case))
    steps.finish(
        incident=case, by=world.officer, version=_v(case), result="已清运", photos=[jpeg()]
    )
    return case


# --- my tasks -------------------------------------------------------------------------------


def test_my_tasks_show_each_persona_what_waits_for_them(world, report, as_user):
    waiting = report()
    ordered = _to_department(world, report())
    assert _numbers(as_user(world.staff).get("/events/tasks/")) == {waiting.number}
    assert _numbers(as_user(world.officer).get("/events/tasks/")) == {ordered.number}
    assert _numbers(as_user(world.grid_worker).get("/events/tasks/")) == set()
    assert _numbers(as_user(world.outsider).get("/events/tasks/")) == set()

    steps.accept(incident=ordered, by=world.officer, version=_v(ordered))
    steps.finish(
        incident=ordered, by=world.officer, version=_v(ordered), result="好了", photos=[jpeg()]
    )
    # The reporter verifies the result.
    assert _numbers(as_user(world.grid_worker).get("/events/tasks/")) == {ordered.number}


def test_tasks_show_the_overdue_and_emergency_badges(world, report, as_user):
    case = report(priority=2)
    Flow.all_objects.filter(pk=case.flow_id).update(overdue=True)
    page = as_user(world.staff).get("/events/tasks/").content.decode()
    assert 'data-testid="badge-overdue"' in page
    assert 'data-testid="badge-emergency"' in page


def test_a_deadline_reads_as_time_left_or_overdue():
    now = timezone.now()
    with translation.override("en"):
        assert due(now + timedelta(hours=3, seconds=30)) == "in 3 h"
        assert due(now + timedelta(minutes=90, seconds=30)) == "in 1 h 30 min"
        assert due(now - timedelta(hours=2, seconds=30)) == "overdue 2 h"
        assert due(now + timedelta(days=3, seconds=30)) == "in 3 d"
        assert due(None) == ""


def test_a_summoned_department_reports_for_duty_from_its_tasks(world, report, as_user):
    case = report()
    escalation.summon(incident=case, departments=[world.officer.organisation_id], by=world.staff)
    officer = as_user(world.officer)
    page = officer.get("/events/tasks/").content.decode()
    assert 'data-testid="acknowledge"' in page
    summons = Summons.objects.get()

    assert (
        as_user(world.staff).post(f"/events/summonses/{summons.pk}/acknowledge/").status_code == 403
    )
    assert officer.post(f"/events/summonses/{summons.pk}/acknowledge/").status_code == 302
    summons.refresh_from_db()
    assert summons.acknowledged_by == world.officer.username
    assert officer.post(f"/events/summonses/{summons.pk}/acknowledge/").status_code == 404
    assert 'data-testid="acknowledge"' not in officer.get("/events/tasks/").content.decode()


def test_a_role_without_the_incident_loop_gets_403(world, as_user):
    assert as_user(world.admin).get("/events/tasks/").status_code == 403
    assert as_user(world.admin).get("/events/").status_code == 403


# --- the case list --------------------------------------------------------------------------


def test_the_case_list_filters_by_state_category_area_overdue_source_and_supervision(
    world, report, as_user
):
    litter = report()
    road = _registered(world, report(at=IN_A2, category=ROAD))
    by_phone = report(by=None, source="citizen", reporter_phone="13912345678")
    closed = _handled(world, report())
    steps.close(incident=closed, by=world.grid_worker, version=_v(closed))
    Flow.all_objects.filter(pk=litter.flow_id).update(overdue=True)
    steps.supervise(incident=road, by=world.county_operator, note="尽快处理")
    report(by=world.outsider, at=IN_B1)  # in the sibling town: never listed here

    client = as_user(world.town_operator)
    everything = {litter.number, road.number, by_phone.number, closed.number}
    assert _numbers(client.get("/events/")) == everything
    assert _numbers(client.get("/events/?state=open")) == everything - {closed.number}
    assert _numbers(client.get("/events/?state=registered")) == {road.number}
    assert _numbers(client.get("/events/?category=06")) == {road.number}
    assert _numbers(client.get(f"/events/?category={ROAD}")) == {road.number}
    assert _numbers(client.get(f"/events/?area={world.micro_a2.code}")) == {road.number}
    assert _numbers(client.get("/events/?overdue=yes")) == {litter.number}
    assert _numbers(client.get("/events/?source=citizen")) == {by_phone.number}
    assert _numbers(client.get("/events/?supervised=yes")) == {road.number}
    assert _numbers(client.get("/events/?supervised=no&state=reported")) == {
        litter.number,
        by_phone.number,
    }


def test_the_filter_form_keeps_its_values_and_refuses_an_area_outside_mine(world, report, as_user):
    report()
    client = as_user(world.town_operator)
    page = client.get("/events/?state=open&source=citizen").content.decode()
    assert '<option value="open" selected>' in page
    assert '<option value="citizen" selected>' in page
    outside = client.get(f"/events/?area={world.town_b.code}")
    assert outside.status_code == 200
    assert 'data-testid="filter-error"' in outside.content.decode()
    assert _numbers(outside) == set()


def test_the_case_list_is_paginated_by_fifty(world, report, as_user):
    for _ in range(51):
        report()
    client = as_user(world.staff)
    assert len(_numbers(client.get("/events/"))) == 50
    assert len(_numbers(client.get("/events/?page=2"))) == 1


# --- the case page --------------------------------------------------------------------------


def test_the_case_page_shows_the_facts_photos_map_and_timeline(world, report, as_user):
    case = report(reporter_phone="13812345678")
    response = as_user(world.staff).get(f"/events/{case.number}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert case.number in page
    assert "138****5678" in page and "13812345678" not in page
    photo = case.photos.get()
    assert f"/api/v1/events/incidents/{case.number}/photos/{photo.pk}" in page
    assert 'id="case-map-data"' in page and world.micro_a1.code in page
    assert 'data-testid="timeline"' in page
    # Numbers are case-insensitive in the address.
    assert as_user(world.staff).get(f"/events/{case.number.lower()}/").status_code == 200


def test_the_case_page_offers_only_the_actions_allowed_to_the_viewer(world, report, as_user):
    case = report()
    staff = _offered(as_user(world.staff).get(f"/events/{case.number}/"))
    assert {"register", "reject", "escalate", "summon", "relocate", "comment"} <= staff
    assert "dispatch" not in staff  # not before it is registered
    assert _offered(as_user(world.grid_worker).get(f"/events/{case.number}/")) == {"comment"}
    assert _offered(as_user(world.leader).get(f"/events/{case.number}/")) == {
        "supervise",
        "comment",
    }
    _registered(world, case)
    assert "dispatch" in _offered(as_user(world.staff).get(f"/events/{case.number}/"))
    assert "dispatch" not in _offered(as_user(world.grid_worker).get(f"/events/{case.number}/"))


def test_the_dispatch_form_lists_nearby_workers_departments_and_communities(world, report, as_user):
    case = _registered(world, report())
    page = as_user(world.staff).get(f"/events/{case.number}/").content.decode()
    assert f'value="worker:{world.grid_worker.pk}"' in page
    assert f'value="department:{world.officer.organisation_id}"' in page
    assert f'value="community:{world.community_a.code}"' in page
    assert f"worker:{world.outsider.pk}" not in page


def test_a_case_of_the_sibling_town_is_not_found(world, report, as_user):
    theirs = report(by=world.outsider, at=IN_B1)
    assert as_user(world.grid_worker).get(f"/events/{theirs.number}/").status_code == 404
    assert as_user(world.staff).get(f"/events/{theirs.number}/").status_code == 404
    assert _act(as_user(world.staff), theirs, "register").status_code == 404
    assert _state(theirs) == "reported"
    assert as_user(world.staff).get("/events/000000AAAAAA/").status_code == 404


def test_a_department_sees_only_the_cases_sent_or_summoned_to_it(world, report, as_user):
    case = report()
    assert as_user(world.officer).get(f"/events/{case.number}/").status_code == 404
    _to_department(world, case)
    assert as_user(world.officer).get(f"/events/{case.number}/").status_code == 200


# --- actions: the happy paths -----------------------------------------------------------------


def test_the_loop_runs_through_the_action_forms(world, report, as_user):
    case = report()
    staff, officer, worker = (
        as_user(world.staff),
        as_user(world.officer),
        as_user(world.grid_worker),
    )

    response = _act(staff, case, "register", note="核实属实")
    assert response.status_code == 302 and response.url == f"/events/{case.number}/"
    assert _state(case) == "registered"
    handler = f"department:{world.officer.organisation_id}"
    assert _act(staff, case, "dispatch", handler=handler).status_code == 302
    assert _state(case) == "dispatched" and case.handler_org_id == world.officer.organisation_id
    assert _act(officer, case, "accept").status_code == 302
    assert _state(case) == "handling"
    photo = SimpleUploadedFile("result.jpg", jpeg("blue"), content_type="image/jpeg")
    assert _act(officer, case, "finish", result="已清运", photos=[photo]).status_code == 302
    assert _state(case) == "handled"
    assert case.photos.filter(stage="feedback").count() == 1
    assert _act(worker, case, "close").status_code == 302
    assert _state(case) == "closed"
    assert (
        _act(worker, case, "evaluate", satisfaction="satisfied", comment="很快").status_code == 302
    )
    case.refresh_from_db()
    assert case.satisfaction == "satisfied"
    followed = worker.get(f"/events/{case.number}/")
    assert "evaluate" not in _offered(followed)


def test_a_report_is_rejected_with_a_reason(world, report, as_user):
    case = report()
    assert _act(as_user(world.staff), case, "reject", reason="私人领地").status_code == 302
    assert _state(case) == "rejected"


def test_a_handler_sends_the_order_back_and_the_verifier_asks_for_rework(world, report, as_user):
    case = _to_department(world, report())
    officer = as_user(world.officer)
    response = _act(officer, case, "return", reason="不属于城管")
    assert response.status_code == 302
    assert _state(case) == "registered"

    second = _handled(world, report())
    assert _act(as_user(world.grid_worker), second, "rework", reason="垃圾仍在").status_code == 302
    assert _state(second) == "handling"
    assert second.rework_count == 1


def test_the_desk_escalates_summons_merges_and_relocates(world, report, as_user):
    staff = as_user(world.staff)
    case = report()
    assert _act(staff, case, "escalate", note="涉及多个部门").status_code == 302
    case.refresh_from_db()
    assert case.desk_id == world.town_a.code and _state(case) == "registered"

    # Now the town's desk has it: the community may no longer summon, the town may.
    org = world.officer.organisation_id
    assert _act(staff, case, "summon", departments=[org]).status_code == 403
    town = as_user(world.town_operator)
    assert _act(town, case, "summon", departments=[org], hours="3").status_code == 302
    assert Summons.objects.filter(organisation_id=org, whistle__incident=case).exists()

    first, duplicate = report(), report()
    page = staff.get(f"/events/{duplicate.number}/").content.decode()
    assert f'<option value="{first.number}">' in page
    assert _act(staff, duplicate, "merge", into=first.number).status_code == 302
    duplicate.refresh_from_db()
    assert _state(duplicate) == "merged" and duplicate.merged_into == first

    assert _act(staff, first, "relocate", lng=IN_A2[0], lat=IN_A2[1]).status_code == 302
    first.refresh_from_db()
    assert first.region_id == world.micro_a2.code


def test_a_leader_supervises_and_anyone_on_the_case_comments(world, report, as_user):
    case = report()
    assert _act(as_user(world.leader), case, "supervise", note="本周内办结").status_code == 302
    case.refresh_from_db()
    assert case.supervised
    assert _act(as_user(world.grid_worker), case, "comment", text="现场还在").status_code == 302
    assert case.flow.timeline.filter(kind="comment", note="现场还在").exists()


# --- actions: the unhappy paths ---------------------------------------------------------------


def test_a_grid_worker_cannot_dispatch_and_nothing_changes(world, report, as_user):
    case = _registered(world, report())
    handler = f"worker:{world.grid_worker.pk}"
    response = _act(as_user(world.grid_worker), case, "dispatch", handler=handler)
    assert response.status_code == 403
    assert _error_code(response) == "events.action_not_offered"
    assert _state(case) == "registered"
    assert _act(as_user(world.leader), case, "register").status_code == 403
    assert _act(as_user(world.staff), case, "accept").status_code == 403


def test_a_stale_version_says_someone_else_changed_the_case(world, report, as_user):
    case = report()
    seen = _v(case)
    assert _act(as_user(world.town_operator), case, "register", version=seen).status_code == 302
    response = _act(as_user(world.staff), case, "reject", version=seen, reason="重复")
    assert response.status_code == 409
    assert _error_code(response) == "workflow.stale_version"
    assert _state(case) == "registered"


def test_a_missing_reason_is_refused_and_the_form_comes_back(world, report, as_user):
    case = report()
    response = _act(as_user(world.staff), case, "reject", reason="  ")
    assert response.status_code == 400
    assert _error_code(response) == "events.missing_field"
    assert _state(case) == "reported"
    assert 'data-testid="act-reject"' in response.content.decode()


def test_bad_input_to_the_other_forms_is_refused(world, report, as_user):
    staff = as_user(world.staff)
    case = _registered(world, report())
    assert _error_code(_act(staff, case, "dispatch", handler="nobody")) == "events.bad_handler"
    assert _error_code(_act(staff, case, "relocate", lng="east", lat="1")) == "events.bad_number"
    assert _error_code(_act(staff, case, "merge", into="")) == "events.missing_field"
    assert _error_code(_act(staff, case, "summon", departments=["x"])) == "events.bad_department"
    response = staff.post(f"/events/{case.number}/act/register/", {})
    assert _error_code(response) == "events.bad_version"
    assert staff.post(f"/events/{case.number}/act/teleport/", {"version": 1}).status_code == 404
    assert staff.get(f"/events/{case.number}/act/register/").status_code == 405
    assert _state(case) == "registered"


def test_a_result_without_the_required_photo_is_refused(world, report, as_user):
    case = _to_department(world, report())
    officer = as_user(world.officer)
    _act(officer, case, "accept")
    response = _act(officer, case, "finish", result="已清运")
    assert response.status_code == 400
    assert _error_code(response) == "events.photo_required"
    assert _state(case) == "handling"
    assert "已清运" in response.content.decode()  # the text typed is not lost


def test_only_the_reporter_rates_a_closed_case(world, report, as_user):
    case = _handled(world, report())
    steps.close(incident=case, by=world.grid_worker, version=_v(case))
    response = _act(as_user(world.staff), case, "evaluate", satisfaction="satisfied")
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.satisfaction == ""


# --- a citizen follows their case -----------------------------------------------------------


def _citizen_case(world) -> Incident:
    case, _created = intake.report_incident(
        category="0101",
        description="小区门口垃圾没人清",
        by=None,
        source="citizen",
        lng=IN_A1[0],
        lat=IN_A1[1],
        photos=[jpeg()],
        reporter_phone="13812345678",
    )
    return case


def test_a_citizen_follows_a_case_by_number_and_phone(world, client):
    case = _citizen_case(world)
    assert client.get("/events/track/").status_code == 200
    found = client.post("/events/track/", {"number": case.number.lower(), "phone": "13812345678"})
    page = found.content.decode()
    assert found.status_code == 200
    assert 'data-testid="track-steps"' in page and 'data-state="reported"' in page
    assert 'data-testid="rate-form"' not in page  # not closed yet
    assert found["Cache-Control"].startswith("max-age=0")


def test_a_wrong_phone_and_a_wrong_number_get_the_same_answer(world, client):
    case = _citizen_case(world)
    wrong_phone = client.post("/events/track/", {"number": case.number, "phone": "13900000000"})
    wrong_number = client.post("/events/track/", {"number": "250101ZZZZZZ", "phone": "13812345678"})
    malformed = client.post("/events/track/", {"number": case.number, "phone": "12"})
    for response in (wrong_phone, wrong_number, malformed):
        assert response.status_code == 404
        assert _error_code(response) == "events.tracking_not_found"
        assert 'data-testid="tracking"' not in response.content.decode()


def test_a_citizen_rates_a_closed_case_once(world, client):
    case = _handled(world, _citizen_case(world))
    steps.close(incident=case, by=world.staff, version=_v(case))
    page = client.post("/events/track/", {"number": case.number, "phone": "13812345678"})
    assert 'data-testid="rate-form"' in page.content.decode()

    unrated = client.post("/events/track/rate/", {"number": case.number, "phone": "13812345678"})
    assert unrated.status_code == 200 and 'data-testid="rate-form"' in unrated.content.decode()
    stranger = {"number": case.number, "phone": "13900000000", "satisfaction": "unsatisfied"}
    assert client.post("/events/track/rate/", stranger).status_code == 404

    rated = client.post(
        "/events/track/rate/",
        {"number": case.number, "phone": "13812345678", "satisfaction": "basic", "comment": "还行"},
    )
    assert rated.status_code == 200
    assert 'data-testid="rated"' in rated.content.decode()
    assert 'data-testid="rate-form"' not in rated.content.decode()
    case.refresh_from_db()
    assert (case.satisfaction, case.evaluation_comment) == ("basic", "还行")
    again = {"number": case.number, "phone": "13812345678", "satisfaction": "unsatisfied"}
    response = client.post("/events/track/rate/", again)
    assert response.status_code == 409
    assert _error_code(response) == "events.already_evaluated"


def test_guessing_is_throttled_per_address(world, client):
    case = _citizen_case(world)
    guess = {"number": case.number, "phone": "13900000000"}
    for _ in range(throttle.LOOKUPS):
        assert client.post("/events/track/", guess).status_code == 404
    right = {"number": case.number, "phone": "13812345678"}
    response = client.post("/events/track/", right)
    assert response.status_code == 429
    assert _error_code(response) == "events.tracking_throttled"
    api = client.post("/api/v1/events/track", right, content_type="application/json")
    assert api.status_code == 429
    cache.clear()
    assert client.post("/events/track/", right).status_code == 200


def test_the_api_tracks_with_the_same_steps_as_the_page(world, client):
    case = _citizen_case(world)
    body = {"number": case.number, "phone": "13812345678"}
    answer = client.post("/api/v1/events/track", body, content_type="application/json").json()
    assert answer["number"] == case.number
    assert [s["state"] for s in answer["steps"]] != []


def test_the_case_list_shows_the_cases_behind_a_command_centre_number(world, as_user, report):
    closed_today = report(category="1101")
    steps.register(incident=closed_today, by=world.staff, version=closed_today.flow.version)
    report(category="1101")  # reported today, never registered
    staff = as_user(world.staff)
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    url = f"/events/?area={world.community_a.code}&since={today}&until={tomorrow}"
    assert staff.get(url).context["page"].paginator.count == 2
    registered = staff.get(url + "&step=register").context["page"].paginator.count
    assert registered == 1
    later = f"/events/?since={tomorrow}&until={tomorrow + timedelta(days=1)}&step=register"
    assert staff.get(later).context["page"].paginator.count == 0
