"""Reads of disputes, limited to what the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap, Role
from civicgrid.core.errors import NotFound
from civicgrid.core.identity import mask_id_number, mask_phone
from civicgrid.core.permissions import require
from civicgrid.core.scoping import root_code
from civicgrid.disputes import flow as dispute_flow
from civicgrid.disputes.models import Dispute, DisputeType, FollowUp, Party, Session


def disputes_visible_to(user: Any) -> QuerySet[Dispute]:
    """Disputes in the user's area; a mediator sees only those of their own organisation."""
    require(user, Cap.DISPUTES_VIEW)
    qs = Dispute.all_objects.filter(region__code__startswith=root_code(user))
    if getattr(user, "role", "") == Role.MEDIATOR:
        qs = qs.filter(organisation_id=getattr(user, "organisation_id", None) or 0)
    return qs.select_related("flow", "grade", "dispute_type", "region", "organisation", "mediator")


def dispute_for(user: Any, number: str) -> Dispute:
    """One dispute by its number; 404 when it is missing or not the user's to see."""
    found = disputes_visible_to(user).filter(number=(number or "").strip().upper()).first()
    if found is None:
        raise NotFound("disputes.not_found", _("There is no such dispute in your area."))
    return found


def filter_disputes(
    qs: QuerySet[Dispute],
    *,
    state: str = "",
    colour: str = "",
    dispute_type: str = "",
    area: str = "",
    organisation: int | None = None,
    mediator: int | None = None,
    q: str = "",
) -> QuerySet[Dispute]:
    if state == "open":
        qs = qs.filter(flow__state__in=dispute_flow.OPEN_STATES)
    elif state:
        qs = qs.filter(flow__state=state)
    if colour:
        qs = qs.filter(grade__colour=colour)
    if dispute_type:
        qs = qs.filter(dispute_type__code=dispute_type)
    if area:
        qs = qs.filter(region__code__startswith=area)
    if organisation:
        qs = qs.filter(organisation_id=organisation)
    if mediator:
        qs = qs.filter(mediator_id=mediator)
    if q:
        qs = qs.filter(number__startswith=q.strip().upper())
    return qs


def session_for(user: Any, dispute: Dispute, session_id: int) -> Session:
    found = Session.objects.filter(dispute=dispute, pk=session_id).first()
    if found is None:
        raise NotFound("disputes.not_found", _("There is no such session."))
    return found


def follow_up_for(dispute: Dispute, follow_up_id: int) -> FollowUp:
    found = FollowUp.objects.filter(dispute=dispute, pk=follow_up_id).first()
    if found is None:
        raise NotFound("disputes.not_found", _("There is no such follow-up visit."))
    return found


def active_types() -> QuerySet[DisputeType]:
    return DisputeType.objects.filter(is_active=True)


def party_view(party: Party) -> dict[str, Any]:
    """A party as pages and the API show it: ID number and phone masked."""
    return {
        "id": party.pk,
        "role": party.role,
        "role_label": str(party.get_role_display()),
        "kind": party.kind,
        "name": party.name,
        "resident_id": party.resident_id,
        "id_number": mask_id_number(party.id_number) if party.id_number else "",
        "credit_code": party.credit_code,
        "phone": mask_phone(party.phone) if party.phone else "",
        "address": party.address,
        "claims": party.claims,
        "vulnerable": party.vulnerable,
    }
