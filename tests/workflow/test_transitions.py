"""Taking transitions: the happy paths, and every way a transition is refused without a trace."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from civicgrid.core.errors import DomainError
from civicgrid.workflow import services
from civicgrid.workflow.deadlines import SHANGHAI
from civicgrid.workflow.models import Flow, TimelineEntry
from tests.workflow.conftest import MONDAY_9

LATER = MONDAY_9 + timedelta(minutes=30)


def take(flow, name, by, **kwargs):
    kwargs.setdefault("now", LATER)
    return services.transition(flow=flow, name=name, by=by, expected_version=flow.version, **kwargs)


def stored(flow) -> Flow:
    return Flow.all_objects.get(pk=flow.pk)


def test_a_new_flow_starts_in_the_initial_state_with_its_first_deadline(world, start):
    flow = start()
    assert (flow.state, flow.version, flow.overdue) == ("report", 1, False)
    # Four working hours from 09:00: three until noon, one after the 13:30 restart.
    assert flow.due_at == datetime(2026, 3, 2, 14, 30, tzinfo=SHANGHAI)
    # 80% of four hours = 3h12m: 12:00 + 12 min after the break.
    assert flow.due_soon_at == datetime(2026, 3, 2, 13, 42, tzinfo=SHANGHAI)
    [created] = TimelineEntry.objects.filter(flow=flow)
    assert (created.kind, created.to_state, created.actor) == ("created", "report", world.staff)


def test_it_walks_the_whole_loop_to_closed(world, start):
    flow = start()
    take(flow, "register", world.grid_worker)
    take(flow, "dispatch", world.staff)
    take(flow, "finish", world.grid_worker, inputs={"photos": ["p1.jpg"]})
    take(flow, "close", world.staff, inputs={"resident_called": True})

    assert (stored(flow).state, stored(flow).version) == ("closed", 5)
    assert stored(flow).due_at is None  # closed cases are out of the sweep
    steps = list(
        TimelineEntry.objects.filter(flow=flow).values_list("transition", "from_state", "to_state")
    )
    assert steps == [
        ("", "", "report"),
        ("register", "report", "registered"),
        ("dispatch", "registered", "dispatched"),
        ("finish", "dispatched", "handled"),
        ("close", "handled", "closed"),
    ]


def test_rejecting_with_a_reason_ends_the_case(world, start):
    flow = start()
    take(flow, "reject", world.staff, inputs={"reason": "duplicate of #12"})
    assert stored(flow).state == "rejected"
    entry = TimelineEntry.objects.filter(flow=flow).last()
    assert entry.data["inputs"] == {"reason": "duplicate of #12"}


def test_rework_sends_a_handled_case_back_with_its_own_stage_time(world, start):
    flow = start()
    take(flow, "register", world.staff)
    take(flow, "dispatch", world.staff)
    take(flow, "finish", world.staff, inputs={"photos": ["a.jpg"]})
    take(flow, "rework", world.staff)
    # 24 working hours from Monday 09:30: 6.5 h on Monday, 7.5 h on Tuesday and Wednesday,
    # the last 2.5 h on Thursday morning.
    assert stored(flow).state == "dispatched"
    assert stored(flow).due_at == datetime(2026, 3, 5, 11, 0, tzinfo=SHANGHAI)


def test_priority_shortens_the_stage(world, start):
    ordinary, urgent = start(), start(priority=1)
    assert urgent.due_at == MONDAY_9 + timedelta(hours=1)
    assert urgent.due_at < ordinary.due_at


def test_it_refuses_a_transition_the_case_type_does_not_declare(world, start):
    flow = start()
    with pytest.raises(DomainError) as err:
        take(flow, "teleport", world.staff)
    assert err.value.code == "workflow.unknown_transition"


def test_it_refuses_a_transition_from_the_wrong_state_with_409(world, start):
    flow = start()
    # The grid worker may not dispatch either, but the state is checked first.
    with pytest.raises(DomainError) as err:
        take(flow, "dispatch", world.grid_worker)
    assert (err.value.code, err.value.status) == ("workflow.not_allowed_from_state", 409)
    assert stored(flow).version == 1


def test_a_user_without_the_capability_gets_permission_denied(world, start):
    flow = start()
    take(flow, "register", world.grid_worker)
    with pytest.raises(PermissionDenied):
        take(flow, "dispatch", world.grid_worker)
    assert stored(flow).state == "registered"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_missing_reason_is_named(world, start, reason):
    flow = start()
    with pytest.raises(DomainError) as err:
        take(flow, "reject", world.staff, inputs={"reason": reason} if reason is not None else {})
    assert (err.value.code, err.value.details["input"]) == ("workflow.missing_input", "reason")
    assert "reason" in str(err.value.message)


def test_finishing_without_photos_is_refused_and_names_photos(world, start):
    flow = start()
    take(flow, "register", world.staff)
    take(flow, "dispatch", world.staff)
    with pytest.raises(DomainError) as err:
        take(flow, "finish", world.grid_worker, inputs={"photos": []})
    assert err.value.details["input"] == "photos"
    assert stored(flow).state == "dispatched"


def test_a_guard_refuses_with_its_own_message(world, start):
    flow = start()
    take(flow, "register", world.staff)
    take(flow, "dispatch", world.staff)
    take(flow, "finish", world.staff, inputs={"photos": ["a.jpg"]})
    count = TimelineEntry.objects.filter(flow=flow).count()
    with pytest.raises(DomainError) as err:
        take(flow, "close", world.staff, inputs={"resident_called": False})
    assert err.value.code == "workflow.guard_failed"
    assert str(err.value.message) == "Call the resident back before closing."
    assert (stored(flow).state, TimelineEntry.objects.filter(flow=flow).count()) == (
        "handled",
        count,
    )


def test_two_operators_with_the_same_version_cannot_both_dispatch(world, start):
    flow = start()
    take(flow, "register", world.staff)
    seen_by_first, seen_by_second = stored(flow), stored(flow)
    services.transition(flow=seen_by_first, name="dispatch", by=world.staff, expected_version=2)
    with pytest.raises(DomainError) as err:
        services.transition(
            flow=seen_by_second, name="dispatch", by=world.staff, expected_version=2
        )
    assert (err.value.code, err.value.status) == ("workflow.stale_version", 409)
    assert stored(flow).version == 3
    assert TimelineEntry.objects.filter(flow=flow, transition="dispatch").count() == 1


def test_available_transitions_offer_only_what_the_user_may_take(world, start):
    flow = start()
    names = lambda user: [t.name for t in services.available_transitions(flow, user)]  # noqa: E731
    assert names(world.staff) == ["register", "reject"]
    assert names(world.grid_worker) == ["register"]


def test_a_subject_gets_one_flow_only(world, start):
    start(subject=world.household)
    with pytest.raises(DomainError) as err:
        start(subject=world.household)
    assert err.value.code == "workflow.subject_has_flow"
    assert Flow.all_objects.get().subject == world.household


def test_it_refuses_an_unknown_case_type_or_area(world, start):
    with pytest.raises(DomainError) as err:
        start(workflow="nope")
    assert err.value.code == "workflow.unknown_workflow"
    with pytest.raises(DomainError) as err:
        start(region_code="320113002001001009", by=None)
    assert err.value.code == "workflow.unknown_region"
