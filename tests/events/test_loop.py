"""The loop's paths through the services: close, rework, reject, return, and who may do what."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from civicgrid.core.errors import DomainError
from civicgrid.events.models import Incident
from civicgrid.events.services import steps
from civicgrid.events.services.steps import Handler
from civicgrid.notifications.models import Notification
from tests.events.conftest import jpeg


def _v(incident: Incident) -> int:
    incident.flow.refresh_from_db()
    return incident.flow.version


def test_a_report_is_closed_after_dispatch_handling_and_verification(world, report):
    case = report()
    assert case.flow.state == "reported"
    assert case.region_id == world.micro_a1.code
    assert case.desk_id == world.community_a.code
    assert case.responsible_worker == world.grid_worker

    steps.register(incident=case, by=world.staff, version=_v(case))
    steps.dispatch(
        incident=case,
        to=Handler("department", str(world.officer.organisation_id)),
        by=world.staff,
        version=_v(case),
    )
    assert Notification.objects.filter(user=world.officer, code="events.dispatched").exists()
    steps.accept(incident=case, by=world.officer, version=_v(case))
    steps.finish(
        incident=case, by=world.officer, version=_v(case), result="已清运", photos=[jpeg("blue")]
    )
    assert case.flow.state == "handled"
    steps.close(incident=case, by=world.grid_worker, version=_v(case))
    case.refresh_from_db()
    assert case.flow.state == "closed"
    assert case.closed_at is not None
    steps.evaluate(incident=case, by=world.grid_worker, satisfaction="satisfied", comment="很快")
    case.refresh_from_db()
    assert case.satisfaction == "satisfied"
    assert [e.transition for e in case.flow.timeline.order_by("at", "id")] == [
        "", "register", "dispatch", "accept", "finish", "close", "evaluate",
    ]  # fmt: skip
    assert case.photos.filter(stage="feedback").count() == 1


def test_a_result_that_does_not_hold_goes_back_for_rework(world, report):
    case = report()
    steps.register(incident=case, by=world.staff, version=_v(case))
    steps.dispatch(
        incident=case, to=Handler("worker", str(world.grid_worker.pk)), by=world.staff,
        version=_v(case),
    )  # fmt: skip
    steps.accept(incident=case, by=world.grid_worker, version=_v(case))
    steps.finish(
        incident=case, by=world.grid_worker, version=_v(case), result="done", photos=[jpeg()]
    )
    with pytest.raises(DomainError) as own:
        steps.close(incident=case, by=world.grid_worker, version=_v(case))
    assert own.value.code == "events.cannot_verify_own_work"
    steps.rework(incident=case, by=world.staff, version=_v(case), reason="垃圾仍在")
    case.refresh_from_db()
    assert case.flow.state == "handling"
    assert case.rework_count == 1


def test_a_report_that_is_not_ours_is_rejected_with_a_reason(world, report):
    case = report()
    with pytest.raises(DomainError) as missing:
        steps.reject(incident=case, by=world.staff, version=_v(case), reason="  ")
    assert missing.value.code == "events.missing_field"
    steps.reject(incident=case, by=world.staff, version=_v(case), reason="属于私人领地")
    case.refresh_from_db()
    assert case.flow.state == "rejected"
    assert Notification.objects.filter(user=world.grid_worker, code="events.rejected").exists()


def test_a_grid_worker_cannot_register_and_a_stale_version_changes_nothing(world, report):
    case = report()
    for not_a_desk in (world.grid_worker, world.leader):
        with pytest.raises(PermissionDenied):
            steps.register(incident=case, by=not_a_desk, version=_v(case))
    stale = _v(case)
    steps.register(incident=case, by=world.staff, version=stale)
    with pytest.raises(DomainError) as conflict:
        steps.register(incident=case, by=world.town_operator, version=stale)
    assert conflict.value.code in {"workflow.stale_version", "workflow.not_allowed_from_state"}


def test_only_the_handler_accepts_the_order(world, report):
    case = report()
    steps.register(incident=case, by=world.staff, version=_v(case))
    steps.dispatch(
        incident=case, to=Handler("worker", str(world.grid_worker.pk)), by=world.staff,
        version=_v(case),
    )  # fmt: skip
    with pytest.raises(DomainError) as other:
        steps.accept(incident=case, by=world.staff, version=_v(case))
    assert other.value.code == "events.not_your_order"
    steps.return_order(incident=case, by=world.grid_worker, version=_v(case), reason="不归我管")
    case.refresh_from_db()
    assert case.flow.state == "registered"


def test_an_order_sent_by_an_english_speaking_desk_reaches_the_department_in_its_language(
    world, report
):
    from django.contrib.auth import get_user_model
    from django.utils import translation

    get_user_model().objects.filter(pk=world.officer.pk).update(language="zh-hans")
    case = report()
    with translation.override("en"):
        steps.register(incident=case, by=world.staff, version=_v(case))
        steps.dispatch(
            incident=case,
            to=Handler("department", str(world.officer.organisation_id)),
            by=world.staff,
            version=_v(case),
        )
    order = Notification.objects.get(user=world.officer, code="events.dispatched")
    assert order.title == f"{case.number} 新工单"
