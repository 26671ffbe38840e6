"""Changes of different cases at the same moment add to the same rollup rows without losing any."""

from __future__ import annotations

from datetime import date

import pytest

from civicgrid.command import indicators, rollups
from civicgrid.command.models import Rollup, RollupChange
from civicgrid.events.services import steps
from tests.command.conftest import nov
from tests.concurrency import race, require_postgres

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    require_postgres()


def test_cases_registered_at_once_all_count(world, story):
    cases = [story.report(nov(2, 9)) for _ in range(4)]
    pending = list(cases)

    def register_one() -> str:
        case = pending.pop()
        steps.register(incident=case, by=world.staff, version=case.flow.version, now=nov(2, 9, 30))
        return "ok"

    assert race(register_one, times=4) == ["ok"] * 4
    got = indicators.summary("320113", date(2026, 11, 1), date(2026, 12, 1))["indicators"]
    assert (got["reports"], got["registered"]) == (4, 4)


def test_reports_at_once_wait_without_locking_and_two_folds_at_once_count_each_once(world, story):
    """Reports of one district do not wait on the district's rollup row: each leaves its own
    row of counts. Two folds at the same moment (two readers) add each of them once."""
    for _ in range(6):
        story.report(nov(2, 9))
    assert RollupChange.objects.count() == 6
    assert not Rollup.objects.exists()  # nothing was added, so no row was locked

    def fold_now() -> str:
        rollups.fold()
        return "folded"

    assert race(fold_now, times=3) == ["folded"] * 3
    assert not RollupChange.objects.exists()
    got = indicators.summary("320113", date(2026, 11, 1), date(2026, 12, 1))["indicators"]
    assert got["reports"] == 6
