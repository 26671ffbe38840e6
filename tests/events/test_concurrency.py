"""Races on real PostgreSQL: two operators dispatch one case; one phone sends one report twice."""

from __future__ import annotations

import pytest

from civicgrid.events.models import Incident
from civicgrid.events.services import intake, steps
from civicgrid.workflow.models import TimelineEntry
from tests.concurrency import race, require_postgres
from tests.events.conftest import IN_A1

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    require_postgres()


def test_two_operators_dispatch_the_same_case_and_exactly_one_order_goes_out(world, report):
    case = report()
    steps.register(incident=case, by=world.staff, version=case.flow.version)
    # Both desks loaded the case at the same version before either dispatched it.
    loaded = [Incident.all_objects.select_related("flow").get(pk=case.pk) for _ in range(2)]
    handlers = [
        (world.staff, steps.Handler("worker", str(world.grid_worker.pk))),
        (world.town_operator, steps.Handler("department", str(world.officer.organisation_id))),
    ]

    def dispatch() -> str:
        incident, (by, to) = loaded.pop(), handlers.pop()
        steps.dispatch(incident=incident, to=to, by=by, version=incident.flow.version)
        return "dispatched"

    assert race(dispatch) == ["dispatched", "workflow.stale_version"]
    case.refresh_from_db()
    case.flow.refresh_from_db()
    assert case.flow.state == "dispatched"
    assert TimelineEntry.objects.filter(flow=case.flow, transition="dispatch").count() == 1
    # The handler kept is the one of the dispatch that applied, never a mix of the two.
    winner = TimelineEntry.objects.get(flow=case.flow, transition="dispatch")
    assert winner.data["inputs"]["handler"] == f"{case.handler_kind}:" + (
        str(case.handler_user_id or case.handler_org_id)
    )


def test_a_report_sent_twice_at_once_with_one_key_makes_one_case(world):
    def send() -> str:
        incident, _created = intake.report_incident(
            category="1101", description="邻里噪音", by=world.grid_worker, source="grid_worker",
            lng=IN_A1[0], lat=IN_A1[1], client_key="phone-race-1",
        )  # fmt: skip
        return incident.number

    numbers = race(send, times=3)
    assert len(set(numbers)) == 1
    assert Incident.all_objects.count() == 1
