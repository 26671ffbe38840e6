"""Two staff confirm the same change at the same moment: exactly one wins (PostgreSQL only)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from civicgrid.core.errors import DomainError
from civicgrid.people import services
from civicgrid.people.models import ChangeRequest

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")


def test_two_confirmations_race_and_exactly_one_applies(world):
    change = world.changes[0]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm() -> None:
        try:
            barrier.wait()
            services.confirm_change(
                change=ChangeRequest.all_objects.get(pk=change.pk), by=world.staff
            )
            outcomes.append("confirmed")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["confirmed", "people.change_already_decided"]
    assert ChangeRequest.all_objects.get(pk=change.pk).status == "confirmed"
