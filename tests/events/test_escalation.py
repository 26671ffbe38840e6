"""Whistles: a community that cannot solve a case sends it up; summoned departments report."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from civicgrid.core.errors import DomainError
from civicgrid.events.models import Incident, Summons
from civicgrid.events.services import escalation, steps
from civicgrid.notifications.models import Notification


def _registered(world, report) -> Incident:
    case = report(category="1101")  # a neighbour dispute
    steps.register(incident=case, by=world.staff, version=case.flow.version)
    return case


def test_a_community_blows_the_whistle_and_the_town_desk_takes_the_case(world, report):
    case = _registered(world, report)
    whistle = escalation.escalate(
        incident=case, by=world.staff, version=case.flow.version, note="涉及多个部门，社区无力解决"
    )
    case.refresh_from_db()
    assert case.level == Incident.Level.TOWN
    assert case.desk_id == world.town_a.code
    assert case.flow.state == "registered"
    assert whistle.reason == "beyond_power"
    assert Notification.objects.filter(user=world.town_operator, code="events.whistle").exists()
    # The community no longer dispatches it; the town does.
    with pytest.raises(DomainError) as not_desk:
        steps.dispatch(
            incident=case, to=steps.Handler("worker", str(world.grid_worker.pk)),
            by=world.staff, version=case.flow.version,
        )  # fmt: skip
    assert not_desk.value.code == "events.not_your_desk"


def test_a_whistle_needs_a_reason_and_stops_at_the_county(world, report):
    case = _registered(world, report)
    with pytest.raises(DomainError) as no_note:
        escalation.escalate(incident=case, by=world.staff, version=case.flow.version, note="")
    assert no_note.value.code == "events.missing_field"
    escalation.escalate(incident=case, by=world.staff, version=case.flow.version, note="上报")
    escalation.escalate(
        incident=case, by=world.town_operator, version=case.flow.version, note="再上报"
    )
    case.refresh_from_db()
    assert case.level == Incident.Level.COUNTY
    assert case.desk_id == world.county.code
    with pytest.raises(DomainError) as top:
        escalation.escalate(
            incident=case, by=world.county_operator, version=case.flow.version, note="更高"
        )
    assert top.value.code == "events.top_level"


def test_summoned_departments_report_for_duty_once(world, report):
    case = _registered(world, report)
    escalation.escalate(incident=case, by=world.staff, version=case.flow.version, note="需城管")
    department = world.officer.organisation
    (summons,) = escalation.summon(
        incident=case, departments=[department.pk], by=world.town_operator, hours=2
    )
    assert Notification.objects.filter(user=world.officer, code="events.summoned").exists()
    with pytest.raises(PermissionDenied):
        escalation.acknowledge(summons=summons, by=world.staff)
    escalation.acknowledge(summons=summons, by=world.officer, note="已到场")
    summons.refresh_from_db()
    assert summons.acknowledged_by == world.officer.username
    with pytest.raises(DomainError) as twice:
        escalation.acknowledge(summons=summons, by=world.officer)
    assert twice.value.code == "events.already_acknowledged"
    assert [e.transition for e in case.flow.timeline.order_by("at", "id")][-2:] == [
        "summon", "acknowledge",
    ]  # fmt: skip


def test_a_department_outside_the_place_or_unknown_cannot_be_summoned(world, report):
    from civicgrid.accounts.models import Organisation

    case = _registered(world, report)
    elsewhere = Organisation.all_objects.create(
        name="马群街道城管中队", kind="department", sector="城管", region=world.town_b
    )
    for departments in ([elsewhere.pk], [999_999], []):
        with pytest.raises(DomainError) as refused:
            escalation.summon(incident=case, departments=departments, by=world.staff)
        assert refused.value.code == "events.bad_department"
    assert Summons.objects.count() == 0


def test_a_supervised_case_tells_the_desk_and_the_leader_cannot_dispatch(world, report):
    case = _registered(world, report)
    steps.supervise(incident=case, by=world.leader, note="请加快处理")
    case.refresh_from_db()
    assert case.supervised
    assert Notification.objects.filter(user=world.staff, code="events.supervised").exists()
    with pytest.raises(PermissionDenied):
        steps.supervise(incident=case, by=world.outsider, note="x")
    with pytest.raises(PermissionDenied):
        steps.dispatch(
            incident=case, to=steps.Handler("worker", str(world.grid_worker.pk)),
            by=world.leader, version=case.flow.version,
        )  # fmt: skip


def test_the_case_page_names_the_reason_of_a_whistle_and_the_rating_in_words(
    world, report, as_user
):
    case = _registered(world, report)
    escalation.escalate(incident=case, by=world.staff, version=case.flow.version, note="跨部门")
    page = as_user(world.town_operator).get(f"/events/{case.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "beyond the community&#x27;s power" in html and "beyond_power" not in html
    api = (
        as_user(world.town_operator)
        .get(f"/api/v1/events/incidents/{case.number}", HTTP_ACCEPT_LANGUAGE="en")
        .json()
    )
    [whistle] = [t for t in api["timeline"] if t["action"] == "escalate"]
    assert whistle["reason"] == "beyond the community's power"
    assert whistle["data"]["inputs"]["reason"] == "beyond_power"  # the code stays for clients
