"""An incident of the dispute class becomes a dispute when its desk registers it, without
retyping, through workflow.signals.dispute_referred; other incidents do not."""

from __future__ import annotations

import pytest

from civicgrid.disputes.models import Dispute
from civicgrid.events import categories
from civicgrid.events.services import intake as incidents
from civicgrid.events.services import steps
from civicgrid.workflow.signals import dispute_referred

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _categories(db):
    categories.load_defaults()


def _report(world, category, phone=""):
    incident, _ = incidents.report_incident(
        category=category, description="楼上楼下因噪音发生争吵", by=world.grid_worker,
        source="grid_worker", lng=118.5, lat=31.5, reporter_phone=phone,
    )  # fmt: skip
    return incident


def test_a_registered_neighbour_incident_becomes_a_neighbour_dispute(world):
    incident = _report(world, "1101")
    assert not Dispute.all_objects.exists()  # a report alone is not yet a case
    steps.register(incident=incident, by=world.staff, version=incident.flow.version)
    dispute = Dispute.all_objects.get()
    assert (dispute.source, dispute.source_ref) == ("incident", incident.number)
    assert dispute.dispute_type_id == "neighbour"
    assert dispute.region_id == incident.region_id
    assert dispute.facts == incident.description
    assert dispute.flow.state == "registered"
    assert set(dispute.parties.values_list("role", flat=True)) == {"applicant", "respondent"}


def test_the_reporter_found_in_the_register_is_the_applicant(world):
    incident = _report(world, "1104", phone="13812345678")  # the resident's phone
    steps.register(incident=incident, by=world.staff, version=incident.flow.version)
    applicant = Dispute.all_objects.get().parties.get(role="applicant")
    assert applicant.resident_id == world.resident.pk


def test_an_incident_of_another_class_is_not_referred(world):
    incident = _report(world, "1201")
    steps.register(incident=incident, by=world.staff, version=incident.flow.version)
    assert not Dispute.all_objects.exists()


def test_a_second_referral_of_one_case_creates_nothing_new(world):
    incident = _report(world, "1101")
    steps.register(incident=incident, by=world.staff, version=incident.flow.version)
    dispute_referred.send(
        sender=None, source="incident", source_number=incident.number,
        region_code=incident.region_id, description="x", category_code="1101",
    )  # fmt: skip
    assert Dispute.all_objects.count() == 1


def test_an_unknown_category_is_taken_as_other(world):
    dispute_referred.send(
        sender=None, source="incident", source_number="X1", region_code="320113002001001001",
        description="纠纷", category_code="1199",
    )  # fmt: skip
    assert Dispute.all_objects.get().dispute_type_id == "other"


def test_a_referral_never_fails_for_want_of_types(world):
    from civicgrid.disputes.models import DisputeType

    DisputeType.objects.all().delete()
    incident = _report(world, "1101")
    steps.register(incident=incident, by=world.staff, version=incident.flow.version)
    assert Dispute.all_objects.get().dispute_type_id == "neighbour"
