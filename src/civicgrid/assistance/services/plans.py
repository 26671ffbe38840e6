"""The difficulty index (a weighted score over configurable dimensions, with its breakdown)
and the household's personal assistance plan that care and employment work will read."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.assistance import standards
from civicgrid.assistance.facts import household_facts
from civicgrid.assistance.models import Application, Plan
from civicgrid.assistance.rules import HouseholdFacts, per_capita_fen
from civicgrid.core.errors import DomainError
from civicgrid.core.permissions import require
from civicgrid.core.text import refuse_control_characters
from civicgrid.workflow.deadlines import SHANGHAI

# What each dimension suggests when it weighs on the household (measure code → label).
MEASURES = {
    "income_gap": ("assistance", _("minimum living or temporary assistance")),
    "health": ("medical", _("medical assistance and family doctor contract")),
    "care_burden": ("care", _("care services (home care, day care)")),
    "education": ("education", _("education assistance for the children")),
    "housing": ("housing", _("housing assistance")),
    "employment": ("jobs", _("employment help for working-age members")),
    "debts": ("expenditure", _("help with rigid expenditure")),
}
SUGGEST_FROM = Decimal("0.3")  # a dimension at or above this share suggests its measure


def _share(part: int, whole: int) -> Decimal:
    return Decimal(0) if whole <= 0 else min(Decimal(1), Decimal(part) / Decimal(whole))


def dimensions(facts: HouseholdFacts, standard_fen: int) -> dict[str, Decimal]:
    """Each dimension as a share from 0 (no difficulty) to 1 (the most)."""
    n = len(facts.members)
    pc = per_capita_fen(facts.income_fen, facts.deductions_fen, n)
    working = [m for m in facts.members if 18 <= m.age < 60 and not m.severely_disabled]
    return {
        "income_gap": _share(max(0, standard_fen - pc), standard_fen),
        "health": _share(
            sum(m.disability_grade is not None or m.severely_ill for m in facts.members), n
        ),
        "care_burden": _share(
            sum(m.age >= 80 or m.age < 6 or m.severely_disabled for m in facts.members), n
        ),
        "education": _share(sum(6 <= m.age < 23 for m in facts.members), n),
        "housing": Decimal(1) if facts.properties == 0 else Decimal(0),
        "employment": _share(sum(m.income_fen == 0 for m in working), len(working)),
        "debts": _share(facts.rigid_expenditure_fen, max(facts.income_fen, 1)),
    }


def difficulty(facts: HouseholdFacts, standard_fen: int) -> tuple[Decimal, dict[str, Any]]:
    """Score 0–100 and its breakdown (share, weight and points of every dimension)."""
    weights = standards.current().difficulty_weights
    shares = dimensions(facts, standard_fen)
    total_weight = sum(weights.values()) or Decimal(1)
    breakdown = {}
    score = Decimal(0)
    for name, weight in weights.items():
        share = shares.get(name, Decimal(0))
        points = (share * weight * 100 / total_weight).quantize(Decimal("0.1"), ROUND_HALF_UP)
        score += points
        breakdown[name] = {
            "share": str(share.quantize(Decimal("0.01"))),
            "weight": str(weight),
            "points": str(points),
        }
    return score.quantize(Decimal("0.1")), breakdown


@transaction.atomic
def make_plan(
    *,
    application: Application,
    responsible: str,
    by: Any,
    measures: list[str] | None = None,
    review_on: date | None = None,
    now: datetime | None = None,
) -> Plan:
    """Score the household and keep its plan: the suggested measures unless given."""
    require(by, Cap.ASSISTANCE_REVIEW)
    now = now or timezone.now()
    responsible = (responsible or "").strip()
    refuse_control_characters(
        responsible, code="assistance.bad_characters", field=_("responsible person")
    )
    if not responsible:
        raise DomainError(
            "assistance.no_responsible", _("Name the person responsible for the plan.")
        )
    today = now.astimezone(SHANGHAI).date()
    config = standards.current()
    if review_on is None:
        month = today.month - 1 + config.review_months
        review_on = date(today.year + month // 12, month % 12 + 1, 1)
    if review_on <= today:
        raise DomainError("assistance.bad_review_date", _("The review date must be in the future."))
    facts = household_facts(application, _verified(application))
    standard = config.standard_for(application.region_id, application.month)
    score, breakdown = difficulty(facts, standard.dibao_fen)
    if measures is None:
        measures = [
            MEASURES[name][0]
            for name, part in breakdown.items()
            if name in MEASURES and Decimal(part["share"]) >= SUGGEST_FROM
        ]
    known = {code for code, _label in MEASURES.values()}
    if set(measures) - known:
        raise DomainError("assistance.unknown_measure", _("Unknown measure."), known=sorted(known))
    plan, _created = Plan.all_objects.update_or_create(
        household_id=application.household_id,
        defaults={
            "region_id": application.region_id,
            "score": score,
            "breakdown": breakdown,
            "measures": measures,
            "responsible": responsible[:60],
            "review_on": review_on,
            "updated_at": now,
        },
    )
    return plan


def _verified(application: Application) -> dict[str, int]:
    run = application.verifications.filter(complete=True).first()
    return {k: int(v) for k, v in run.report.get("verified", {}).items()} if run else {}


def measure_label(code: str) -> str:
    return next((str(label) for c, label in MEASURES.values() if c == code), code)
