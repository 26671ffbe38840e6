"""Disputes as rows and detail for the API and pages (personal data masked)."""

from __future__ import annotations

from typing import Any

from civicgrid.accounts.roles import Cap
from civicgrid.disputes import flow as dispute_flow
from civicgrid.disputes.models import Dispute
from civicgrid.disputes.selectors import party_view
from civicgrid.disputes.services.common import is_own_mediator
from civicgrid.disputes.services.followup import follow_ups_missing
from civicgrid.workflow import services as flows


def row(dispute: Dispute) -> dict[str, Any]:
    return {
        "number": dispute.number,
        "state": dispute.flow.state,
        "state_label": str(dispute_flow.DISPUTE.state(dispute.flow.state).label),
        "version": dispute.flow.version,
        "dispute_type": dispute.dispute_type_id,
        "type_name": dispute.dispute_type.name,
        "colour": dispute.colour,
        "level": dispute.level,
        "area": dispute.region_id,
        "area_name": dispute.region.name,
        "organisation": dispute.organisation.name if dispute.organisation else "",
        "mediator": (dispute.mediator.get_full_name() or dispute.mediator.username)
        if dispute.mediator
        else "",
        "source": dispute.source,
        "received_at": dispute.received_at,
        "due_at": dispute.due_at,
        "overdue": dispute.flow.overdue,
    }


# Steps the engine offers to anyone who sees the case, which the services keep to the desk of
# the area and the organisation's own mediators.
_DESK_OR_MEDIATOR = {"assign", "withdraw", "close", "reopen"}


def _actions(dispute: Dispute, user: Any) -> list[str]:
    offered = [t.name for t in flows.available_transitions(dispute.flow, user)]
    allowed = user.can(Cap.DISPUTES_ROUTE) or is_own_mediator(dispute, user)
    return [name for name in offered if allowed or name not in _DESK_OR_MEDIATOR]


def detail(dispute: Dispute, user: Any) -> dict[str, Any]:
    agreement = getattr(dispute, "agreement", None) if hasattr(dispute, "agreement") else None
    return row(dispute) | {
        "facts": dispute.facts,
        "address": dispute.address,
        "source_ref": dispute.source_ref,
        "amount": str(dispute.amount),
        "people_involved": dispute.people_involved,
        "repeat_petitions": dispute.repeat_petitions,
        "threat_violence": dispute.threat_violence,
        "threat_self_harm": dispute.threat_self_harm,
        "group_incident": dispute.group_incident,
        "vulnerable_party": dispute.vulnerable_party,
        "colour_reasons": dispute.colour_reasons,
        "follow_up_days": dispute.follow_up_days,
        "follow_ups_required": dispute.follow_ups_required,
        "follow_ups_missing": follow_ups_missing(dispute),
        "outcome": dispute.outcome,
        "next_channel": dispute.next_channel,
        "escalations": dispute.escalations,
        "reopened": dispute.reopened,
        "parties": [party_view(p) for p in dispute.parties.all()],
        "grades": [
            {
                "at": g.at,
                "from_colour": g.from_colour,
                "to_colour": g.to_colour,
                "reasons": g.reasons,
                "cause": g.cause,
                "by": g.by_label,
            }
            for g in dispute.grades.all()
        ],
        "sessions": [
            {
                "id": s.pk,
                "starts_at": s.starts_at,
                "mode": s.mode,
                "place": s.place,
                "held_at": s.held_at,
                "record": s.record,
            }
            for s in dispute.sessions.all()
        ],
        "agreement": None
        if agreement is None
        else {
            "content": agreement.content,
            "effective_on": agreement.effective_on,
            "performance_deadline": agreement.performance_deadline,
            "partial": agreement.partial,
            "confirmation": agreement.confirmation,
            "court": agreement.court,
            "applied_on": agreement.applied_on,
            "decided_on": agreement.decided_on,
        },
        "follow_ups": [
            {
                "id": f.pk,
                "due_on": f.due_on,
                "done_at": f.done_at,
                "performance": f.performance,
                "note": f.note,
            }
            for f in dispute.follow_ups.all()
        ],
        "attachments": [
            {"id": a.pk, "name": a.name, "content_type": a.content_type, "size": a.size}
            for a in dispute.attachments.all()
        ],
        "actions": _actions(dispute, user),
    }
