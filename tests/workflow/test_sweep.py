"""The deadline sweep: set-based, it marks exactly the overdue flows and counts the due-soon ones."""

from __future__ import annotations

from datetime import timedelta

from civicgrid.workflow import services
from civicgrid.workflow.models import Flow
from tests.workflow.conftest import MONDAY_9


def test_it_marks_exactly_the_overdue_flows(world, start, django_assert_num_queries):
    # Round the clock: the "report" stage is 4 h (priority 0) or 1 h (priority 1).
    urgent = start(workflow="toy_clock", priority=1)  # due 10:00
    ordinary = start(workflow="toy_clock")  # due 13:00, due soon from 12:12
    later = start(workflow="toy_clock", now=MONDAY_9 + timedelta(hours=2))  # due 15:00
    closed = start(workflow="toy_clock", priority=1)
    services.transition(
        flow=closed, name="reject", by=world.staff, expected_version=1, inputs={"reason": "dup"}
    )

    with django_assert_num_queries(2):
        result = services.sweep_deadlines(now=MONDAY_9 + timedelta(hours=3, minutes=30))

    assert (result.marked_overdue, result.due_soon) == (1, 1)
    overdue = set(Flow.all_objects.filter(overdue=True).values_list("pk", flat=True))
    assert overdue == {urgent.pk}
    assert not Flow.all_objects.get(pk=later.pk).overdue
    assert Flow.all_objects.get(pk=ordinary.pk).version == 1  # the sweep is not an edit


def test_a_second_sweep_marks_nothing_new(world, start):
    start(workflow="toy_clock", priority=1)
    late = MONDAY_9 + timedelta(hours=5)
    assert services.sweep_deadlines(now=late).marked_overdue == 1
    assert services.sweep_deadlines(now=late).marked_overdue == 0


def test_taking_a_transition_clears_overdue_and_starts_a_new_stage(world, start):
    flow = start(workflow="toy_clock", priority=1)
    late = MONDAY_9 + timedelta(hours=5)
    services.sweep_deadlines(now=late)
    flow.refresh_from_db()
    services.transition(
        flow=flow, name="register", by=world.staff, expected_version=flow.version, now=late
    )
    stored = Flow.all_objects.get(pk=flow.pk)
    assert (stored.overdue, stored.due_at) == (False, late + timedelta(hours=2))
