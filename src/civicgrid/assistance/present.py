"""Applications as pages and the API show them: masked by default (masked ID numbers and bank
account, no itemised incomes or assets), itemised only in the audit-logged unmasked view."""

from __future__ import annotations

from typing import Any

from civicgrid.accounts.roles import Cap
from civicgrid.assistance import loop
from civicgrid.assistance.models import KINDS, Application
from civicgrid.assistance.rules import Reason, yuan
from civicgrid.assistance.services.payments import mask_account
from civicgrid.assistance.standards import Programme
from civicgrid.core.identity import age_on, mask_id_number


def explain(items: list[dict[str, Any]]) -> list[str]:
    return [Reason(r["code"], r.get("params", {})).text() for r in items]


def decision_view(decision: dict[str, Any], *, figures: bool = True) -> dict[str, Any]:
    """The proposed decision in words: the household's reasons and each programme's. Without
    `figures` (the masked view of the field) the income figures and reasons are left out:
    only which programmes apply and how much is paid."""
    if not decision:
        return {}
    view: dict[str, Any] = {
        "figures": figures,
        "total_monthly": yuan(decision["total_monthly_fen"]),
        "total_one_off": yuan(decision["total_one_off_fen"]),
        "programmes": [
            {
                "programme": r["programme"],
                "label": str(Programme(r["programme"]).label),
                "eligible": r["eligible"],
                "monthly": yuan(r["monthly_fen"]),
                "one_off": yuan(r["one_off_fen"]),
                "reasons": explain(r["reasons"]) if figures else [],
            }
            for r in decision["results"]
        ],
    }
    if figures:
        view |= {
            "per_capita": yuan(decision["per_capita_fen"]),
            "standard": yuan(decision["standard_fen"]),
            "standard_from": decision["standard"]["from"],
            "reasons": explain(decision["reasons"]),
        }
    return view


def sees_figures(user: Any) -> bool:
    """Reviewers see the decision's income figures; the field sees programmes and amounts."""
    return bool(user.can(Cap.ASSISTANCE_REVIEW) or user.can(Cap.ASSISTANCE_UNMASK))


def summary(a: Application) -> dict[str, Any]:
    state = a.flow.state if a.flow else ""
    return {
        "number": a.number,
        "household": a.household.number,
        "region": a.region_id,
        "channel": a.channel,
        "month": a.month.isoformat(),
        "state": state,
        "state_label": str(loop.APPLICATION.state(state).label) if state else "",
        "version": a.flow.version if a.flow else 0,
        "verification": a.verification,
        "verification_label": a.get_verification_display(),
        "due_at": a.due_at.isoformat() if a.due_at else None,
        "stage_due_at": a.flow.due_at.isoformat() if a.flow and a.flow.due_at else None,
        "payment": a.payment,
        "monthly": yuan(a.monthly_fen),
        "received_elsewhere": not a.received_region_code
        or not a.region_id.startswith(a.received_region_code),
    }


def detail(a: Application, *, unmasked: bool = False, figures: bool = True) -> dict[str, Any]:
    members = []
    for m in a.members.select_related("resident"):
        number = m.resident.id_number
        members.append(
            {
                "id": m.pk,
                "name": m.resident.name,
                "id_number": number if unmasked else mask_id_number(number),
                "age": age_on(m.resident.birth_date, a.month),
                "relation": m.resident.get_relation_display(),
                "disability_grade": m.disability_grade,
                "severely_ill": m.severely_ill,
                "care_tier": m.care_tier,
                "no_supporter": m.no_supporter,
            }
        )
    out = summary(a) | {
        "members": members,
        "bank_name": a.bank_name,
        "bank_account": a.bank_account if unmasked else mask_account(a.bank_account),
        "visit_note": a.visit_note,
        "decision": decision_view(a.decision, figures=figures or unmasked),
        "notice_started_at": a.notice_started_at.isoformat() if a.notice_started_at else None,
        "objections": [
            {
                "id": o.pk,
                "text": o.text,
                "resolved": o.resolved_at is not None,
                "resolution": o.resolution,
            }
            for o in a.objections.all()
        ],
        "unmasked": unmasked,
    }
    if unmasked:
        out["items"] = [
            {
                "section": i.section,
                "kind": i.kind,
                "label": str(KINDS[i.section].get(i.kind, i.kind)),
                "member": i.member_id,
                "amount": yuan(i.amount_fen),
                "note": i.note,
            }
            for i in a.items.all()
        ]
        run = a.verifications.first()
        out["verification_report"] = run.report if run else None
    else:
        last = a.verifications.first()
        out["differences"] = len(last.report.get("differences", [])) if last else None
    return out
