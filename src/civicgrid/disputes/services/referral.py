"""A case of another domain referred to mediation (workflow.signals.dispute_referred)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from civicgrid.core.actor import SYSTEM
from civicgrid.disputes.models import Dispute, DisputeType, Party
from civicgrid.disputes.services.intake import receive_dispute
from civicgrid.disputes.types import load_defaults
from civicgrid.people.models import Resident

FALLBACK_TYPE = "other"


def type_for_category(category_code: str) -> str:
    """The dispute type that lists this incident category, else "other". A referral must never
    fail: the shipped types are put back if they are missing (e.g. a flushed database)."""
    if not DisputeType.objects.filter(code=FALLBACK_TYPE, is_active=True).exists():
        load_defaults()
        DisputeType.objects.filter(code=FALLBACK_TYPE).update(is_active=True)
    for kind in DisputeType.objects.filter(is_active=True).only("code", "incident_categories"):
        if category_code in (kind.incident_categories or []):
            return kind.code
    return FALLBACK_TYPE


def _reporter(region_code: str, phone: str, person_id: int | None) -> Resident | None:
    """The reporter in the register: by id, or the one resident of the town with that phone."""
    residents = Resident.all_objects.filter(region__code__startswith=region_code[:9])
    if person_id is not None:
        return residents.filter(pk=person_id).first()
    if not phone:
        return None
    found = list(residents.filter(phone=phone)[:2])
    return found[0] if len(found) == 1 else None


def receive_referral(
    *,
    source: str,
    source_number: str,
    region_code: str,
    description: str,
    category_code: str = "",
    address: str = "",
    lng: float | None = None,
    lat: float | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_person_id: int | None = None,
    at: datetime | None = None,
    **_ignored: Any,
) -> Dispute:
    """The dispute for a referred case, created once (a second referral of it returns it).

    The reporter becomes the applicant (from the register when found); the other side is not
    known yet and is entered as "to be identified" for the mediator to complete."""
    earlier = Dispute.all_objects.filter(source=source, source_ref=source_number).first()
    if earlier is not None:
        return earlier
    resident = _reporter(region_code, reporter_phone, reporter_person_id)
    applicant: dict[str, Any] = {"role": Party.Role.APPLICANT, "phone": reporter_phone}
    if resident is not None:
        applicant |= {"resident_id": resident.pk, "phone": ""}
    else:
        applicant["name"] = reporter_name or _("reporter of %(number)s") % {"number": source_number}
    respondent = {"role": Party.Role.RESPONDENT, "name": _("to be identified")}
    return receive_dispute(
        by=SYSTEM,
        source=Dispute.Source.INCIDENT if source == "incident" else Dispute.Source.WINDOW,
        dispute_type=type_for_category(category_code),
        facts=description,
        parties=[applicant, respondent],
        region_code=region_code,
        address=address[:200],
        source_ref=source_number,
        now=at,
    )
