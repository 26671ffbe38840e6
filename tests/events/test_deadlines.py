"""The deadline job with a frozen clock: every run is given its `now`, nothing reads the time.

Stage deadlines per category and priority, one warning per stage, escalation of overdue cases
community → town → county as whistles (never beyond), chasing summoned departments, and runs
that repeat or overlap changing nothing more.
"""

from __future__ import annotations

import itertools
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F

from civicgrid.core.actor import acting_as, current_actor
from civicgrid.events import categories
from civicgrid.events.models import Category, Incident, Summons, Whistle
from civicgrid.events.services import deadlines, escalation, steps
from civicgrid.events.services.deadlines import run_deadlines
from civicgrid.events.services.steps import Handler
from civicgrid.notifications.models import Notification
from civicgrid.workflow import services as flows
from civicgrid.workflow.models import Flow, TimelineEntry
from tests.concurrency import race, require_postgres
from tests.events.conftest import LITTER, jpeg

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 30 November 2026, 10:00 in Nanjing.
T0 = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
MANHOLE = "0501"  # urgent by category: half-hour stages
FIRE = "1401"  # emergency by category


def _fresh(case: Incident) -> Incident:
    return Incident.all_objects.select_related("flow").get(pk=case.pk)


def _v(case: Incident) -> int:
    return _fresh(case).flow.version


def _after_due(case: Incident) -> datetime:
    return _fresh(case).flow.due_at + timedelta(minutes=1)


def _told(user, code: str) -> int:
    return Notification.objects.filter(user=user, code=code).count()


def _quiet(report) -> dict[str, int]:
    return {k: v for k, v in report.__dict__.items() if v}


# --- stage deadlines ---------------------------------------------------------------------------


def test_a_normal_case_runs_the_24_hour_loop(world, report):
    case = report(now=T0)
    assert case.flow.due_at == T0 + timedelta(hours=1)
    assert case.flow.due_soon_at == T0 + timedelta(minutes=48)
    assert sum(categories.DEFAULT_HOURS[0].values()) == 24


def test_an_urgent_category_has_half_hour_stages(world, report):
    case = report(category=MANHOLE, now=T0)
    assert case.priority == 1
    assert case.flow.due_at == T0 + timedelta(minutes=30)


def test_an_emergency_category_and_an_emergency_report_take_quarter_hours(world, report):
    fire = report(category=FIRE, now=T0)
    litter = report(priority=2, now=T0)
    assert fire.flow.due_at == T0 + timedelta(minutes=15)
    assert litter.flow.due_at == T0 + timedelta(minutes=15)


def test_a_categorys_own_hours_override_the_default(world, report):
    Category.objects.filter(code=LITTER).update(register_hours=2, dispatch_hours=4)
    categories.forget()
    case = report(now=T0)
    assert case.flow.due_at == T0 + timedelta(hours=2)
    steps.register(incident=case, by=world.staff, version=_v(case))
    flow = _fresh(case).flow
    assert flow.due_at == flow.stage_started_at + timedelta(hours=4)


# --- warnings --------------------------------------------------------------------------------


def test_a_case_due_soon_is_warned_once_per_stage(world, report):
    case = report(now=T0)
    assert run_deadlines(now=T0 + timedelta(minutes=47)).warned == 0
    assert run_deadlines(now=T0 + timedelta(minutes=48)).warned == 1
    assert _told(world.staff, "events.due_soon") == 1
    assert run_deadlines(now=T0 + timedelta(minutes=50)).warned == 0
    assert _told(world.staff, "events.due_soon") == 1

    # A new stage (registered) is warned afresh, once.
    steps.register(incident=case, by=world.staff, version=_v(case))
    soon = _fresh(case).flow.due_soon_at
    assert run_deadlines(now=soon).warned == 1
    assert run_deadlines(now=soon + timedelta(minutes=1)).warned == 0
    assert _told(world.staff, "events.due_soon") == 2


def test_the_warning_goes_to_whoever_the_stage_waits_for(world, report):
    case = report(now=T0)
    steps.register(incident=case, by=world.staff, version=_v(case))
    steps.dispatch(
        incident=case,
        to=Handler("department", str(world.officer.organisation_id)),
        by=world.staff,
        version=_v(case),
    )
    run_deadlines(now=_fresh(case).flow.due_soon_at)
    assert _told(world.officer, "events.due_soon") == 1
    assert _told(world.staff, "events.due_soon") == 0


def test_a_stage_begun_while_the_job_warns_is_not_counted_as_warned(world, report, monkeypatch):
    case = report(now=T0)
    real = deadlines._lock_batch

    def desk_was_quicker(ids, still, *, flows):
        batch = real(ids, still, flows=flows)
        # After the job read the case (warnings do not lock flows), the desk registers it.
        steps.register(incident=_fresh(case), by=world.staff, version=_v(case))
        return batch

    monkeypatch.setattr(deadlines, "_lock_batch", desk_was_quicker)
    assert run_deadlines(now=T0 + timedelta(minutes=50)).warned == 0
    assert _told(world.staff, "events.due_soon") == 0
    assert _fresh(case).warned_for_stage is None

    # The new stage is warned about when it is due soon, once.
    monkeypatch.setattr(deadlines, "_lock_batch", real)
    assert run_deadlines(now=_fresh(case).flow.due_soon_at).warned == 1
    assert _fresh(case).warned_for_stage == _fresh(case).flow.stage_started_at


# --- escalation ------------------------------------------------------------------------------


def test_an_overdue_community_case_goes_to_the_town_then_the_county_and_no_further(world, report):
    case = report(now=T0)
    first = run_deadlines(now=T0 + timedelta(hours=1, minutes=1))
    # It goes up as soon as it falls due, with a new stage: never marked overdue on the way.
    assert (first.marked_overdue, first.escalated) == (0, 1)
    case = _fresh(case)
    assert (case.level, case.desk_id, case.flow.state) == (1, world.town_a.code, "registered")
    assert not case.flow.overdue
    whistle = Whistle.objects.get(incident=case)
    assert (whistle.reason, whistle.level, whistle.raised_by) == ("overdue", 1, "system")
    assert _told(world.town_operator, "events.whistle") == 1
    entry = TimelineEntry.objects.filter(flow=case.flow, transition="escalate").get()
    assert entry.actor_label == "system"
    assert entry.data["inputs"] == {"reason": "overdue", "level": 1, "desk": world.town_a.code}

    # The town's stage runs out too: up to the county.
    second = run_deadlines(now=_after_due(case))
    assert second.escalated == 1
    case = _fresh(case)
    assert (case.level, case.desk_id) == (2, world.county.code)
    assert _told(world.county_operator, "events.whistle") == 1

    # The county's stage runs out: nobody above it, so the county is told, once.
    late = _after_due(case)
    third = run_deadlines(now=late)
    assert (third.escalated, third.overdue_notified, third.marked_overdue) == (0, 1, 1)
    assert _fresh(case).level == 2
    assert _fresh(case).flow.overdue
    assert _told(world.county_operator, "events.overdue") == 1
    assert _quiet(run_deadlines(now=late + timedelta(hours=5))) == {}
    assert Whistle.objects.filter(incident=case).count() == 2


def _escalate_counting_statements(report, n: int, reported: datetime, run: datetime) -> int:
    """Statements of one run that escalates `n` cases reported at `reported`, and only them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(n):
        report(now=reported)
    with CaptureQueriesContext(connection) as captured:
        done = run_deadlines(now=run)
    assert (done.escalated, done.overdue_notified) == (n, 0)
    return len(captured.captured_queries)


def test_escalating_many_cases_takes_no_more_statements_than_escalating_a_few(world, report):
    """The job works in batches: a field read per case (a deferred column, a timeline read by
    a listener) would make the statements grow with the cases."""
    # Registration is due an hour after the report; the town's stage an hour after the job
    # sent the first two up (T0 + 2:01), so the second run sees only the six new ones.
    few = _escalate_counting_statements(report, 2, T0, T0 + timedelta(hours=1, minutes=1))
    many = _escalate_counting_statements(
        report, 6, T0 + timedelta(minutes=30), T0 + timedelta(hours=1, minutes=45)
    )
    assert many == few


def test_with_auto_escalation_off_people_are_only_told(world, report, settings):
    settings.EVENTS_AUTO_ESCALATE = False
    case = report(now=T0)
    done = run_deadlines(now=T0 + timedelta(hours=2))
    assert (done.escalated, done.overdue_notified) == (0, 1)
    case = _fresh(case)
    assert (case.level, case.desk_id, case.flow.overdue) == (0, world.community_a.code, True)
    assert _told(world.staff, "events.overdue") == 1
    assert not Whistle.objects.exists()
    assert run_deadlines(now=T0 + timedelta(hours=3)).overdue_notified == 0


def test_a_case_waiting_for_verification_is_not_escalated_but_the_reporter_is_told(world, report):
    case = report(now=T0)
    steps.register(incident=case, by=world.staff, version=_v(case))
    steps.dispatch(
        incident=case, to=Handler("worker", str(world.grid_worker.pk)), by=world.staff,
        version=_v(case),
    )  # fmt: skip
    steps.accept(incident=case, by=world.grid_worker, version=_v(case))
    steps.finish(
        incident=case, by=world.grid_worker, version=_v(case), result="done", photos=[jpeg()]
    )
    done = run_deadlines(now=_after_due(case))
    assert (done.escalated, done.overdue_notified) == (0, 1)
    assert _told(world.grid_worker, "events.overdue") == 1


def test_a_case_changed_while_the_job_runs_is_skipped_without_error(world, report, monkeypatch):
    case = report(now=T0)
    real = flows.transition_many

    def operator_was_quicker(**kwargs):
        # Between the job's read and its escalation, someone else changes the case.
        Flow.all_objects.filter(pk=case.flow_id).update(version=F("version") + 1)
        return real(**kwargs)

    monkeypatch.setattr(flows, "transition_many", operator_was_quicker)
    skipped = run_deadlines(now=T0 + timedelta(hours=2))
    assert (skipped.escalated, skipped.overdue_notified) == (0, 0)
    assert not Whistle.objects.exists()
    assert _fresh(case).level == 0

    monkeypatch.setattr(flows, "transition_many", real)
    assert run_deadlines(now=T0 + timedelta(hours=2)).escalated == 1
    assert _fresh(case).level == 1


def test_a_case_closed_meanwhile_is_left_alone(world, report):
    case = report(now=T0)
    steps.reject(incident=case, by=world.staff, version=_v(case), reason="不属于本平台")
    assert _quiet(run_deadlines(now=T0 + timedelta(hours=2))) == {}


# --- summonses --------------------------------------------------------------------------------


def test_a_department_that_does_not_report_for_duty_is_chased_once(world, report):
    case = report(now=T0)
    escalation.escalate(
        incident=_fresh(case), by=world.staff, version=_v(case), note="需要城管执法"
    )
    escalation.summon(
        incident=_fresh(case),
        departments=[world.officer.organisation_id],
        by=world.town_operator,
        hours=0.5,
    )
    summons = Summons.objects.get()
    assert run_deadlines(now=summons.due_at - timedelta(minutes=1)).summonses_overdue == 0
    assert run_deadlines(now=summons.due_at).summonses_overdue == 1
    assert _told(world.officer, "events.summons_overdue") == 1
    assert _told(world.town_operator, "events.summons_overdue") == 1
    assert run_deadlines(now=summons.due_at + timedelta(hours=1)).summonses_overdue == 0
    assert Summons.objects.get().overdue


# --- repeating ---------------------------------------------------------------------------------


def _state() -> tuple:
    return (
        list(Flow.all_objects.order_by("pk").values_list("state", "version", "overdue")),
        Notification.objects.count(),
        Whistle.objects.count(),
        TimelineEntry.objects.count(),
    )


def test_running_the_job_twice_changes_nothing_more(world, report):
    report(now=T0)  # will be overdue
    report(now=T0 + timedelta(minutes=20))  # will be due soon
    report(now=T0 + timedelta(minutes=50))  # on time
    report(category=MANHOLE, now=T0)  # overdue sooner
    now = T0 + timedelta(hours=1, minutes=10)
    first = run_deadlines(now=now)
    assert (first.escalated, first.warned) == (2, 1)
    before = _state()
    assert _quiet(run_deadlines(now=now)) == {}
    assert _state() == before


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_once_escalate_each_case_once(world, report):
    require_postgres()
    cases = [report(now=T0) for _ in range(6)]
    now = T0 + timedelta(hours=2)

    def job() -> str:
        done = run_deadlines(now=now)
        return str(done.escalated)

    outcomes = race(job)
    assert sum(int(n) for n in outcomes) == 6
    assert Whistle.objects.count() == 6
    assert all(_fresh(c).level == 1 for c in cases)
    assert _told(world.town_operator, "events.whistle") == 6


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_one_job_works_its_batches_off_on_two_connections_at_once(
    world, report, settings, monkeypatch
):
    require_postgres()
    settings.EVENTS_DEADLINE_CONNECTIONS = 2
    monkeypatch.setattr(deadlines, "BATCH", 2)
    overdue = [report(now=T0) for _ in range(5)]
    soon = [report(now=T0 + timedelta(minutes=20)) for _ in range(3)]
    # The first two batches wait here for each other: a job that took its batches one after
    # another would never get past the first.
    both, calls, acting = threading.Barrier(2, timeout=10), itertools.count(), set()
    batch = deadlines._overdue_batch

    def together(now, ids):
        if next(calls) < 2:
            both.wait()
        acting.add(current_actor().label)
        return batch(now, ids)

    monkeypatch.setattr(deadlines, "_overdue_batch", together)
    with acting_as(label="cli:worker"):
        done = run_deadlines(now=T0 + timedelta(hours=1, minutes=10))
    assert acting == {"cli:worker"}  # the threads act as whoever runs the job
    assert (done.escalated, done.warned) == (5, 3)
    assert all(_fresh(case).level == 1 for case in overdue)
    assert Whistle.objects.count() == 5
    assert _told(world.town_operator, "events.whistle") == 5
    assert all(_fresh(case).warned_for_stage is not None for case in soon)
