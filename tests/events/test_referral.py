"""Registering an incident of the dispute class (11 矛盾纠纷) sends workflow.signals.dispute_referred
with plain data, once; other classes send nothing."""

from __future__ import annotations

import pytest

from civicgrid.events.services import steps
from civicgrid.workflow.signals import dispute_referred

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent():
    calls = []

    def receiver(sender, **data):
        calls.append(data)

    dispute_referred.connect(receiver, dispatch_uid="test.referral")
    yield calls
    dispute_referred.disconnect(dispatch_uid="test.referral")


def test_registering_a_dispute_incident_refers_it_with_plain_data(world, report, sent):
    incident = report(category="1102", photos=[], reporter_phone="13912345678")
    assert sent == []  # reported, not yet registered
    steps.register(incident=incident, by=world.staff, version=incident.flow.version)
    (data,) = sent
    assert data["source_number"] == incident.number
    assert data["category_code"] == "1102" and data["category_name"] == "婚姻家庭纠纷"
    assert data["region_code"] == incident.region_id
    assert data["reporter_phone"] == "13912345678"
    plain = (str, int, float, type(None))
    assert all(isinstance(v, plain) for k, v in data.items() if k not in ("at", "signal"))


def test_other_incidents_are_not_referred(world, report, sent):
    incident = report()
    steps.register(incident=incident, by=world.staff, version=incident.flow.version)
    assert sent == []
