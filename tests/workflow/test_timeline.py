"""The timeline: every transition, assignment, comment, attachment and deadline change, kept."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from civicgrid.core.actor import acting_as
from civicgrid.core.errors import DomainError
from civicgrid.core.models import AppendOnlyError
from civicgrid.workflow import services
from civicgrid.workflow.deadlines import SHANGHAI
from civicgrid.workflow.models import Flow, TimelineEntry
from civicgrid.workflow.selectors import timeline_of
from tests.workflow.conftest import MONDAY_9


def test_it_records_who_when_and_from_where(world, start):
    flow = start()
    at = MONDAY_9 + timedelta(hours=1)
    with acting_as(world.staff, source_ip="10.1.2.3"):
        services.transition(
            flow=flow, name="register", by=world.staff, expected_version=1, note="ok", now=at
        )
    entry = timeline_of(flow).last()
    assert (entry.actor, entry.actor_label, entry.source_ip, entry.at) == (
        world.staff,
        "sally_staff",
        "10.1.2.3",
        at,
    )
    assert (entry.kind, entry.note) == ("transition", "ok")


def test_system_work_is_labelled_by_the_acting_command(world, start):
    with acting_as(label="cli:root import"):
        flow = start(by=None)
    entry = timeline_of(flow).get()
    assert (entry.actor, entry.actor_label) == (None, "cli:root import")


def test_assignment_comment_attachment_and_deadline_change_are_all_kept(world, start):
    flow = start()
    services.assign(
        flow=flow,
        assignee="org:7",
        assignee_label="城管",
        by=world.staff,
        expected_version=1,
        now=MONDAY_9 + timedelta(minutes=1),
    )
    services.comment(
        flow=flow,
        text="resident says it is getting worse",
        by=world.grid_worker,
        now=MONDAY_9 + timedelta(minutes=2),
    )
    services.attach(
        flow=flow,
        name="pothole.jpg",
        ref="files/ab12",
        by=world.grid_worker,
        now=MONDAY_9 + timedelta(minutes=3),
    )
    new_due = datetime(2026, 3, 3, 17, 30, tzinfo=SHANGHAI)
    services.set_deadline(
        flow=flow,
        due_at=new_due,
        reason="waiting for the contractor",
        by=world.staff,
        expected_version=2,
        now=MONDAY_9 + timedelta(minutes=4),
    )

    kinds = list(timeline_of(flow).values_list("kind", flat=True))
    assert kinds == ["created", "assignment", "comment", "attachment", "deadline"]
    assert timeline_of(flow)[1].data == {"assignee": "org:7", "assignee_label": "城管"}
    changed = timeline_of(flow).last()
    assert changed.note == "waiting for the contractor"
    stored = Flow.all_objects.get(pk=flow.pk)
    assert (stored.due_at, stored.version, stored.overdue) == (new_due, 3, False)
    assert stored.stage_started_at < stored.due_soon_at < new_due


def test_a_deadline_change_needs_a_reason_and_the_right(world, start):
    flow = start()
    due = MONDAY_9 + timedelta(days=2)
    with pytest.raises(DomainError) as err:
        services.set_deadline(flow=flow, due_at=due, reason=" ", by=world.staff, expected_version=1)
    assert err.value.code == "workflow.reason_required"
    with pytest.raises(PermissionDenied):
        services.set_deadline(
            flow=flow, due_at=due, reason="why", by=world.grid_worker, expected_version=1
        )
    assert timeline_of(flow).count() == 1


def test_a_closed_case_takes_no_new_deadline(world, start):
    flow = start()
    services.transition(
        flow=flow, name="reject", by=world.staff, expected_version=1, inputs={"reason": "dup"}
    )
    with pytest.raises(DomainError) as err:
        services.set_deadline(
            flow=flow, due_at=MONDAY_9, reason="x", by=world.staff, expected_version=2
        )
    assert (err.value.code, err.value.status) == ("workflow.closed", 409)


def test_timeline_entries_cannot_be_changed_or_removed(world, start):
    entry = timeline_of(start()).get()
    entry.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        TimelineEntry.objects.filter(pk=entry.pk).update(note="x")
    with pytest.raises(AppendOnlyError):
        TimelineEntry.objects.all().delete()
    assert TimelineEntry.objects.get(pk=entry.pk).note == ""


def test_a_new_priority_moves_the_stage_deadline_and_keeps_its_reason(world, start):
    flow = start()  # ordinary: 4 working hours to register
    ordinary_due = flow.due_at
    at = MONDAY_9 + timedelta(minutes=30)
    services.reprioritise(flow=flow, priority=1, reason="蓝 → 红", by=world.staff, expected_version=1, now=at)  # fmt: skip
    flow = Flow.all_objects.get(pk=flow.pk)
    assert flow.priority == 1 and flow.version == 2
    assert flow.due_at == MONDAY_9 + timedelta(hours=1) < ordinary_due  # from the stage's start
    entry = timeline_of(flow).last()
    assert (entry.kind, entry.note, entry.data["priority"]) == ("deadline", "蓝 → 红", [0, 1])
    with pytest.raises(DomainError):
        services.reprioritise(flow=flow, priority=0, reason=" ", by=world.staff, expected_version=2)
