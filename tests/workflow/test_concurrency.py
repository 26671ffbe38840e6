"""Two operators dispatch the same case at the same moment: exactly one wins (PostgreSQL only)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from civicgrid.core.errors import DomainError
from civicgrid.workflow import services
from civicgrid.workflow.models import Flow, TimelineEntry

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")


def test_two_dispatches_race_and_exactly_one_applies(world, start):
    flow = start()
    services.transition(flow=flow, name="register", by=world.staff, expected_version=1)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def dispatch() -> None:
        try:
            seen = Flow.all_objects.get(pk=flow.pk)
            barrier.wait()
            services.transition(flow=seen, name="dispatch", by=world.staff, expected_version=2)
            outcomes.append("dispatched")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dispatch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["dispatched", "workflow.stale_version"]
    assert (Flow.all_objects.get(pk=flow.pk).state, Flow.all_objects.get(pk=flow.pk).version) == (
        "dispatched",
        3,
    )
    assert TimelineEntry.objects.filter(flow=flow, transition="dispatch").count() == 1
