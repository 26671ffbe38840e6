"""Reads of social assistance, limited to the caller's area (region code prefix); the plan
selector is what care and employment work read."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from civicgrid.assistance import loop
from civicgrid.assistance.models import Alert, Application, Plan
from civicgrid.core.scoping import HasRegion, root_code
from civicgrid.people.models import ResidentTag


def applications_visible_to(who: HasRegion | str) -> QuerySet[Application]:
    return Application.objects.filter(region__code__startswith=root_code(who)).select_related(
        "flow", "household"
    )


def alerts_visible_to(who: HasRegion | str) -> QuerySet[Alert]:
    return Alert.objects.filter(region__code__startswith=root_code(who)).select_related("household")


def plan_of(who: HasRegion | str, household_id: int) -> Plan | None:
    """A household's assistance plan (difficulty index, breakdown, measures, responsible person,
    review date) if the household lies in the caller's area; None otherwise."""
    return Plan.objects.filter(
        region__code__startswith=root_code(who), household_id=household_id
    ).first()


def plans_due(who: HasRegion | str, on: datetime | None = None) -> QuerySet[Plan]:
    """Plans whose review date has come, for the caller's area."""
    today = (on or timezone.now()).date()
    return Plan.objects.filter(region__code__startswith=root_code(who), review_on__lte=today)


def numbers(who: HasRegion | str, now: datetime | None = None) -> dict[str, Any]:
    """People and households covered per programme and town, money per month, coverage of
    the population tagged low income, alerts open and overdue."""
    code = root_code(who)
    now = now or timezone.now()
    per: dict[str, dict[str, int]] = defaultdict(lambda: {"households": 0, "people": 0, "fen": 0})
    per_area: dict[str, dict[str, int]] = defaultdict(lambda: {"households": 0, "fen": 0})
    paid_households: set[int] = set()
    money = 0
    rows = Application.objects.filter(
        region__code__startswith=code, payment=Application.Payment.ACTIVE
    ).values_list("household_id", "region_id", "monthly_fen", "decision")
    for household_id, region_id, monthly, decision in rows:
        paid_households.add(household_id)
        money += monthly
        town = str(region_id)[:9]
        per_area[town]["households"] += 1
        per_area[town]["fen"] += monthly
        for r in decision.get("results", []):
            if r["eligible"] and r["monthly_fen"]:
                per[r["programme"]]["households"] += 1
                per[r["programme"]]["people"] += len(r["covered"]) or decision.get("members", 0)
                per[r["programme"]]["fen"] += r["monthly_fen"]
    tagged = ResidentTag.objects.filter(region_code__startswith=code, tag="low_income")
    tagged_households = set(tagged.values_list("resident__household_id", flat=True))
    alerts = Alert.objects.filter(region__code__startswith=code, closed_at__isnull=True)
    return {
        "programmes": dict(per),
        "areas": dict(sorted(per_area.items())),
        "households_paid": len(paid_households),
        "monthly_fen": money,
        "tagged_households": len(tagged_households),
        "tagged_covered": len(tagged_households & paid_households),
        "alerts_open": alerts.count(),
        "alerts_overdue": alerts.filter(due_at__lt=now).count(),
        "applications_open": Application.objects.filter(
            region__code__startswith=code, flow__state__in=loop.OPEN_STATES
        ).count(),
    }
