"""Grid workers propose, community staff confirm or reject: the register changes only then."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from civicgrid.core.errors import DomainError
from civicgrid.core.models import AuditEntry
from civicgrid.people import services
from civicgrid.people.models import ChangeRequest, Household, Resident, ResidentTag
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_confirmed_change_is_applied_and_recorded_with_both_people(world):
    change = world.changes[0]
    assert Resident.all_objects.get(pk=world.resident.pk).phone == "13812345678"

    services.confirm_change(change=change, by=world.staff)

    resident = Resident.all_objects.get(pk=world.resident.pk)
    assert resident.phone == "13900001111"
    change.refresh_from_db()
    assert (change.status, change.submitted_by, change.decided_by) == (
        "confirmed",
        world.grid_worker,
        world.staff,
    )
    assert resident.history.first().history_user == world.staff
    assert AuditEntry.objects.filter(action="people.change.confirmed", actor=world.staff).exists()


def test_a_rejection_needs_a_reason_and_changes_nothing(world):
    change = world.changes[0]
    with pytest.raises(DomainError) as caught:
        services.reject_change(change=change, reason="", by=world.staff)
    assert caught.value.code == "people.reason_required"
    services.reject_change(change=change, reason="号码是旧号", by=world.staff)
    change.refresh_from_db()
    assert (change.status, change.reason) == ("rejected", "号码是旧号")
    assert Resident.all_objects.get(pk=world.resident.pk).phone == "13812345678"


def test_a_change_is_decided_once(world):
    change = world.changes[0]
    services.reject_change(change=change, reason="重复", by=world.staff)
    with pytest.raises(DomainError) as caught:
        services.confirm_change(change=change, by=world.staff)
    assert caught.value.code == "people.change_already_decided" and caught.value.status == 409


def test_a_grid_worker_cannot_confirm_their_own_proposal(world):
    with pytest.raises(PermissionDenied):
        services.confirm_change(change=world.changes[0], by=world.grid_worker)


def test_a_proposal_that_cannot_be_right_is_refused_at_once(world):
    with pytest.raises(DomainError) as caught:
        services.submit_change(
            kind="update_resident",
            payload={"phone": "555"},
            resident=world.resident,
            by=world.grid_worker,
        )
    assert caught.value.code == "identity.phone"


def test_a_confirmation_that_fails_leaves_the_request_waiting(world):
    other = f.resident(world.household, "王小虎", f.id_number("320113", date(2001, 1, 1), 71))
    change = services.submit_change(
        kind="update_resident",
        payload={"id_number": other.id_number},
        resident=world.resident,
        by=world.grid_worker,
    )
    with pytest.raises(DomainError) as caught:
        services.confirm_change(change=change, by=world.staff)
    assert caught.value.code == "people.duplicate_id_number"
    change.refresh_from_db()
    assert change.status == "submitted" and change.decided_by is None


def test_a_new_household_and_its_first_resident_through_proposals(world):
    services.confirm_change(
        change=services.submit_change(
            kind="add_household",
            payload={"address": "尧佳路9号"},
            region_code=world.micro_a2.code,
            by=world.grid_worker,
        ),
        by=world.staff,
    )
    household = Household.all_objects.get(address="尧佳路9号")
    number = f.id_number("320113", date(1990, 6, 1), 91)
    services.confirm_change(
        change=services.submit_change(
            kind="add_resident",
            household=household,
            by=world.grid_worker,
            payload={
                "name": "赵六",
                "id_number": number,
                "relation": "head",
                "tags": [{"tag": "unemployed"}],
            },
        ),
        by=world.staff,
    )
    person = Resident.all_objects.get(id_number=number)
    assert (person.household, person.region_id) == (household, world.micro_a2.code)
    assert list(ResidentTag.all_objects.filter(resident=person).values_list("tag", flat=True)) == [
        "unemployed"
    ]


def test_changes_are_listed_for_the_area_only(world, as_user):
    mine = as_user(world.staff).get("/api/v1/people/changes", {"status": "submitted"}).json()
    assert mine["count"] == 4
    theirs = as_user(world.outsider).get("/api/v1/people/changes").json()
    assert theirs["count"] == 0
    assert ChangeRequest.all_objects.count() == 4
