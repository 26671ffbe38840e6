"""Two staff confirm the same change at the same moment: exactly one wins (PostgreSQL only)."""

from __future__ import annotations

import pytest

from civicgrid.people import services
from civicgrid.people.models import ChangeRequest
from tests.concurrency import race, require_postgres

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    require_postgres()


def test_two_confirmations_race_and_exactly_one_applies(world):
    change = world.changes[0]

    def confirm() -> str:
        services.confirm_change(change=ChangeRequest.all_objects.get(pk=change.pk), by=world.staff)
        return "confirmed"

    outcomes = race(confirm)

    assert outcomes == ["confirmed", "people.change_already_decided"]
    assert ChangeRequest.all_objects.get(pk=change.pk).status == "confirmed"
