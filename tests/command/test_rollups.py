"""The rollups the loop keeps current equal the ones rebuilt from history, whatever happened."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from civicgrid.command import indicators, rollups
from civicgrid.command.facts import COUNTERS
from civicgrid.command.models import Rollup, RollupChange
from civicgrid.command.tasks import fold_rollups_task
from civicgrid.core.errors import DomainError
from civicgrid.events.services import steps
from civicgrid.workflow import services as flows
from tests.command.conftest import ELDERLY, IN_A2, IN_B1, NOWHERE, at, nov

KEY = ("cube", "grain", "span", "area", "day", "category", "org", "worker")


def table() -> dict[tuple, tuple]:
    """The rollups as a reader sees them: the waiting changes folded in first."""
    rollups.fold()
    return {
        tuple(r[k] for k in KEY): tuple(r[c] for c in COUNTERS)
        for r in Rollup.objects.values(*KEY, *COUNTERS)
        if any(r[c] for c in COUNTERS)
    }


@pytest.fixture
def varied(world, story):
    """Every kind of change: the full loop, rework, return, escalation twice, merge after
    registration, reject, relocation of an unplaced report, a deadline extension, ratings."""
    s = story
    t = nov(2, 8)
    for i in range(3):
        s.handle_fully(s.report(t + timedelta(hours=i)), t + timedelta(hours=i))
    worker_case = s.report(nov(3, 9), category=ELDERLY, where=IN_A2)
    s.handle_fully(worker_case, nov(3, 9), to="worker")
    s.evaluate(worker_case, nov(4, 9), "basic")

    reworked = s.report(nov(5, 9))
    s.register(reworked, nov(5, 9, 5))
    s.dispatch(reworked, nov(5, 9, 10))
    s.return_order(reworked, nov(5, 9, 20))
    s.dispatch(reworked, nov(5, 11), to="community")
    s.accept(reworked, nov(5, 11, 30))
    s.finish(reworked, nov(5, 12))
    # The community handles it, so the town verifies.
    s.rework(reworked, nov(5, 13), by=world.town_operator)
    s.finish(reworked, nov(6, 12))
    s.close(reworked, nov(6, 13), by=world.town_operator)

    twice = s.report(nov(7, 9))
    s.register(twice, nov(7, 9, 10))
    s.escalate(twice, nov(7, 9, 30))
    s.escalate(twice, nov(7, 11), by=world.town_operator)
    s.dispatch(twice, nov(7, 12), by=world.county_operator)
    s.accept(twice, nov(7, 12, 30))
    s.finish(twice, nov(8, 9))
    s.close(twice, nov(8, 10))
    s.evaluate(twice, nov(9, 9), "satisfied")

    first = s.report(nov(10, 9))
    later = s.report(nov(10, 9, 5))
    s.register(first, nov(10, 9, 30))
    s.register(later, nov(10, 9, 40))
    s.merge(later, first, nov(10, 10))  # registered, then found to be a duplicate

    s.reject(s.report(nov(11, 9)), nov(11, 9, 30))

    unplaced = s.report(nov(12, 9), where=NOWHERE)
    s.register(unplaced, nov(12, 9, 10), by=world.town_operator)
    unplaced.flow.refresh_from_db()
    steps.confirm_location(
        incident=unplaced, lng=IN_A2[0], lat=IN_A2[1], by=world.town_operator,
        version=unplaced.flow.version,
    )  # fmt: skip

    extended = s.report(nov(13, 9))
    s.register(extended, nov(13, 9, 10))
    extended.flow.refresh_from_db()
    flows.set_deadline(
        flow=extended.flow, due_at=nov(13, 18), reason="等待物业到场", by=world.staff,
        expected_version=extended.flow.version, now=nov(13, 9, 20),
    )  # fmt: skip
    s.dispatch(extended, nov(13, 17))  # after the first deadline, before the extended one

    s.report(nov(14, 9), where=IN_B1, by=world.outsider)
    s.report(at(12, 1, 0, 30))
    return {"unplaced": unplaced, "extended": extended, "later": later}


def test_live_rollups_equal_the_rebuilt_ones(varied):
    live = table()
    assert live
    with scopes_disabled():
        result = rollups.rebuild()
    assert result.cases == 13
    assert table() == live


def test_rebuilding_an_area_or_from_a_day_changes_nothing_when_all_is_right(varied):
    live = table()
    with scopes_disabled():
        rollups.rebuild(area="320113002001")
        assert table() == live
        rollups.rebuild(area="320113002", since=date(2026, 11, 10))
        assert table() == live
        rollups.rebuild(area="3201", since=date(2026, 12, 1))
    assert table() == live


def test_a_rebuild_repairs_rows_that_went_wrong(varied):
    live = table()
    Rollup.objects.filter(grain=9, area="320113002").update(reports=999)
    Rollup.objects.filter(grain=6).update(closed=0)
    Rollup.objects.filter(grain=12, span="m", area__startswith="320113002").delete()
    call_command("rebuild_rollups", "--area", "320113002", verbosity=0)
    assert table() == live


def test_a_relocated_case_moves_its_numbers_to_its_new_place(varied, world):
    s, e = date(2026, 11, 1), date(2026, 12, 1)
    assert indicators.summary(world.micro_a2.code[:12], s, e)["indicators"]["reports"] == 11
    unplaced_row = [r for r in indicators.areas("320113002", s, e) if not r["placed"]]
    assert unplaced_row == []  # it left the town's "place not confirmed" row


def test_an_unplaced_report_counts_in_its_town_as_place_not_confirmed(world, story):
    story.report(nov(12, 9), where=NOWHERE)
    rows = indicators.areas("320113002", date(2026, 11, 1), date(2026, 12, 1))
    (unplaced,) = [r for r in rows if not r["placed"]]
    assert unplaced["code"] == "320113002000"
    assert unplaced["indicators"]["reports"] == 1 and unplaced["score"] is None


def test_a_deadline_extension_counts_for_the_stage_it_extended(varied):
    got = indicators.summary("320113002", date(2026, 11, 13), date(2026, 11, 14))["indicators"]
    assert (got["dispatched"], got["dispatched_on_time"], got["late"]) == (1, 1, 0)


def test_a_case_merged_after_registration_leaves_the_registered_count(varied):
    got = indicators.summary("320113002", date(2026, 11, 10), date(2026, 11, 11))["indicators"]
    assert (got["reports"], got["registered"], got["merged"]) == (2, 1, 1)


def test_the_rebuild_command_refuses_bad_areas(world):
    with pytest.raises(DomainError) as err:
        rollups.rebuild(area="320113002001001")
    assert err.value.code == "command.bad_area"
    with pytest.raises(DomainError) as err:
        rollups.rebuild(area="320199")
    assert err.value.code == "command.unknown_area"


def test_escalations_by_the_deadline_job_count_as_the_rebuild_counts_them(world, report):
    from datetime import timedelta

    from django.utils import timezone

    from civicgrid.events.services.deadlines import run_deadlines

    late = [report(category="1101") for _ in range(3)]
    done = run_deadlines(now=timezone.now() + timedelta(hours=2))
    assert done.escalated == len(late)
    live = table()
    with scopes_disabled():
        rollups.rebuild()
    assert table() == live


def test_the_deadline_job_counts_escalations_from_every_state_as_the_rebuild_does(world, story):
    """The job counts its escalations from each case's state just before (not its timeline):
    late or on time, with a grid worker, a department or a community, after an extension."""
    from civicgrid.events.services.deadlines import run_deadlines

    s, t = story, nov(9, 9)
    s.report(t)  # waiting for registration
    registered = s.report(t)
    s.register(registered, t + timedelta(minutes=10))
    with_worker = s.report(t, category=ELDERLY, where=IN_A2)
    s.register(with_worker, t + timedelta(minutes=10))
    s.dispatch(with_worker, t + timedelta(minutes=20), to="worker")
    handling = s.report(t)
    s.register(handling, t + timedelta(minutes=10))
    s.dispatch(handling, t + timedelta(minutes=20))
    s.accept(handling, t + timedelta(minutes=30))
    extended = s.report(t)
    s.register(extended, t + timedelta(minutes=10))
    s.dispatch(extended, t + timedelta(minutes=20), to="community")
    extended.flow.refresh_from_db()
    flows.set_deadline(
        flow=extended.flow, due_at=t + timedelta(days=2), reason="等待配件", by=world.staff,
        expected_version=extended.flow.version, now=t + timedelta(minutes=25),
    )  # fmt: skip
    rebuilt_before = table()

    done = run_deadlines(now=t + timedelta(days=3))
    assert done.escalated == 5
    live = table()
    assert live != rebuilt_before
    with scopes_disabled():
        rollups.rebuild()
    assert table() == live
    got = indicators.summary("320113", date(2026, 11, 12), date(2026, 11, 13))["indicators"]
    # Five escalations, each late; the one waiting for registration is registered by it.
    assert (got["escalated"], got["late"], got["registered"]) == (5, 5, 1)


def test_a_change_waits_as_one_row_and_the_next_read_counts_it(world, story):
    case = story.report(nov(2, 9))
    waiting = RollupChange.objects.get()
    # The report counts on its day, at its micro-grid, for the grid worker who sent it.
    assert (waiting.day, waiting.region, waiting.worker) == (
        date(2026, 11, 2),
        world.micro_a1.code,
        case.reporter_id,
    )
    assert not Rollup.objects.exists()
    got = indicators.summary("320113", date(2026, 11, 1), date(2026, 12, 1))["indicators"]
    assert got["reports"] == 1  # the read folded what waited
    assert not RollupChange.objects.exists()
    assert Rollup.objects.filter(grain=6, span="d", area="320113", reports=1).exists()


def test_the_periodic_fold_adds_what_waits(world, story):
    case = story.report(nov(2, 9))
    story.register(case, nov(2, 9, 10))
    assert RollupChange.objects.count() == 2
    assert fold_rollups_task.call() == {"folded": 2}
    assert fold_rollups_task.call() == {"folded": 0}
    assert Rollup.objects.get(cube="a", grain=9, span="d").registered == 1


def test_a_rebuild_with_changes_waiting_counts_each_once(world, story):
    story.report(nov(2, 9))
    story.report(nov(2, 10))
    assert RollupChange.objects.count() == 2
    with scopes_disabled():
        rollups.rebuild()
    assert not RollupChange.objects.exists()  # counted by the rebuild, not left to add again
    got = indicators.summary("320113", date(2026, 11, 1), date(2026, 12, 1))["indicators"]
    assert got["reports"] == 2


def test_a_long_queue_is_folded_in_chunks_and_nothing_is_left(world, story, monkeypatch):
    monkeypatch.setattr(rollups, "FOLD_ROWS", 2)
    for hour in range(5):
        story.report(nov(2, 9 + hour))
    assert rollups.fold() == 5
    assert not RollupChange.objects.exists()
    got = indicators.summary("320113", date(2026, 11, 1), date(2026, 12, 1))["indicators"]
    assert got["reports"] == 5
    assert rollups.fold() == 0  # nothing waits: one look, nothing written
