"""Two operators dispatch the same case at the same moment: exactly one wins (PostgreSQL only)."""

from __future__ import annotations

import pytest

from civicgrid.workflow import services
from civicgrid.workflow.models import Flow, TimelineEntry
from tests.concurrency import race, require_postgres

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    require_postgres()


def test_two_dispatches_race_and_exactly_one_applies(world, start):
    flow = start()
    services.transition(flow=flow, name="register", by=world.staff, expected_version=1)

    # Both operators loaded the case (version 2) before either dispatches it.
    loaded = [Flow.all_objects.get(pk=flow.pk) for _ in range(2)]

    def dispatch() -> str:
        services.transition(flow=loaded.pop(), name="dispatch", by=world.staff, expected_version=2)
        return "dispatched"

    outcomes = race(dispatch)

    assert outcomes == ["dispatched", "workflow.stale_version"]
    assert (Flow.all_objects.get(pk=flow.pk).state, Flow.all_objects.get(pk=flow.pk).version) == (
        "dispatched",
        3,
    )
    assert TimelineEntry.objects.filter(flow=flow, transition="dispatch").count() == 1
