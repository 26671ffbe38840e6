"""Handing an incident that is a dispute between people to mediation (workflow.signals)."""

from __future__ import annotations

from datetime import datetime

from civicgrid.events.models import Incident
from civicgrid.workflow.signals import dispute_referred

# The class of incident categories that are disputes (矛盾纠纷, categories.json).
DISPUTE_CLASS = "11"


def is_dispute(incident: Incident) -> bool:
    return incident.category.parent_id == DISPUTE_CLASS


def refer_if_dispute(incident: Incident, at: datetime) -> None:
    """Send `dispute_referred` (plain data) for a case of the dispute class; others pass."""
    if not is_dispute(incident):
        return
    dispute_referred.send(
        sender=Incident,
        source="incident",
        source_number=incident.number,
        region_code=incident.region_id,
        address=incident.address,
        lng=incident.lng,
        lat=incident.lat,
        description=incident.description,
        category_code=incident.category_id,
        category_name=incident.category.name,
        reporter_name=incident.reporter_name,
        reporter_phone=incident.reporter_phone,
        reporter_person_id=None,
        at=at,
    )
