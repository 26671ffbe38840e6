"""The leader's big screen (决策分析一个厅): hot spots of the last two weeks and the screen's data.

Hot spots count reports (every report taken in, like the `reports` indicator, rejected and
merged ones included) straight from the incidents, by the day-less rolling week: "this week" is
the 7 × 24 hours up to now, "last week" the 7 × 24 hours before. The KPIs and the rankings are
`indicators.summary` / `areas` / `departments` over the last 30 days (today, Beijing, included):
the same numbers as the assessment page for that period. `region_code` must already be checked
against the caller's scope (`indicators.area_for`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone

from civicgrid.command import indicators
from civicgrid.command.facts import TZ
from civicgrid.command.rollups import prefix_range
from civicgrid.events.models import Category, Incident
from civicgrid.regions.levels import CODE_LENGTH, Level
from civicgrid.regions.models import Region

WEEK = timedelta(days=7)
# Rows of each list on the screen (and in the API).
SHOWN = 10
# The KPIs and rankings cover the last 30 days, today included.
KPI_DAYS = 30
MICROGRID_LENGTH = CODE_LENGTH[Level.MICROGRID]


def _last_fortnight(area: str, now: datetime) -> QuerySet[Incident]:
    """The area's reports of the last 14 days: one range on the (region, reported_at) index
    (events_incident_area_time); the work grows with the area's index entries, never with a
    Python loop over cases, and every list below is grouped and cut to `SHOWN` in SQL."""
    low, high = prefix_range(area)
    return Incident.all_objects.filter(
        region_id__gte=low,
        region_id__lte=high,
        reported_at__gt=now - 2 * WEEK,
        reported_at__lte=now,
    ).order_by()


def _weekly(qs: QuerySet[Incident], by: str, now: datetime) -> list[dict[str, Any]]:
    split = now - WEEK
    rows = (
        qs.values(by)
        .annotate(
            this_week=Count("pk", filter=Q(reported_at__gt=split)),
            last_week=Count("pk", filter=Q(reported_at__lte=split)),
        )
        .order_by("-this_week", "-last_week", by)[:SHOWN]
    )
    return [
        {
            "code": str(row[by]),
            "this_week": row["this_week"],
            "last_week": row["last_week"],
            "change": row["this_week"] - row["last_week"],
        }
        for row in rows
    ]


def week_totals(area: str, now: datetime) -> dict[str, int]:
    split = now - WEEK
    got = _last_fortnight(area, now).aggregate(
        this_week=Count("pk", filter=Q(reported_at__gt=split)),
        last_week=Count("pk", filter=Q(reported_at__lte=split)),
    )
    return {"this_week": got["this_week"] or 0, "last_week": got["last_week"] or 0}


def hot_categories(area: str, now: datetime) -> list[dict[str, Any]]:
    """The categories (subclasses, 小类) with most reports this week, with last week's."""
    rows = _weekly(_last_fortnight(area, now), "category_id", now)
    names = dict(
        Category.objects.filter(code__in=[r["code"] for r in rows]).values_list("code", "name")
    )
    for row in rows:
        row["name"] = names.get(row["code"], row["code"])
    return rows


def hot_microgrids(area: str, now: datetime) -> list[dict[str, Any]]:
    """The micro-grids with most reports this week, with last week's and where they lie.
    Reports whose place is not confirmed (held at a town or county) are not in any."""
    qs = (
        _last_fortnight(area, now)
        .annotate(code_length=Length("region_id"))
        .filter(code_length=MICROGRID_LENGTH)
    )
    rows = _weekly(qs, "region_id", now)
    places: dict[str, dict[str, Any]] = {
        r["code"]: dict(r)
        for r in Region.all_objects.filter(code__in=[r["code"] for r in rows]).values(
            "code", "name", "centroid_lng", "centroid_lat", "parent__parent__name"
        )
    }
    for row in rows:
        place = places.get(row["code"], {})
        row["name"] = place.get("name") or row["code"]
        row["community"] = place.get("parent__parent__name") or ""
        row["lng"] = place.get("centroid_lng")
        row["lat"] = place.get("centroid_lat")
    return rows


def kpi_period(now: datetime) -> indicators.Period:
    today = now.astimezone(TZ).date()
    return indicators.Period(today - timedelta(days=KPI_DAYS - 1), today + timedelta(days=1))


def _area_row(row: dict[str, Any]) -> dict[str, Any]:
    ind = row["indicators"]
    return {
        "code": row["code"],
        "name": row["name"],
        "rank": row["rank"],
        "score": row["score"],
        "reports": ind["reports"],
        "close_rate": ind["close_rate"],
        "satisfaction_rate": ind["satisfaction_rate"],
    }


def _department_row(row: dict[str, Any]) -> dict[str, Any]:
    ind = row["indicators"]
    return {
        "id": row["id"],
        "name": row["name"],
        "rank": row["rank"],
        "score": row["score"],
        "handled": ind["handled"],
        "handle_rate": ind["handle_rate"],
        "satisfaction_rate": ind["satisfaction_rate"],
    }


def screen(region_code: str, now: datetime | None = None) -> dict[str, Any]:
    """Everything the big screen shows for an area, at `now` (default: this moment)."""
    now = now or timezone.now()
    p = kpi_period(now)
    weights = indicators.weights_for(region_code)
    got = indicators.summary(region_code, p.start, p.end, weights)
    week = week_totals(region_code, now)
    kpis = {
        **got["indicators"],
        "score": got["score"],
        "overdue_now": got["overdue_now"],
        "reports_this_week": week["this_week"],
        "reports_last_week": week["last_week"],
    }
    areas = [r for r in indicators.areas(region_code, p.start, p.end, weights) if r["placed"]][
        :SHOWN
    ]
    departments = indicators.departments(region_code, p.start, p.end, weights)[:SHOWN]
    return {
        "area": got["area"],
        "period": p.as_dict(),
        "weeks": {
            "this_week": {"start": _iso(now - WEEK), "end": _iso(now)},
            "last_week": {"start": _iso(now - 2 * WEEK), "end": _iso(now - WEEK)},
        },
        "kpis": kpis,
        "hot_categories": hot_categories(region_code, now),
        "hot_microgrids": hot_microgrids(region_code, now),
        "ranking_areas": [_area_row(r) for r in areas],
        "ranking_departments": [_department_row(r) for r in departments],
        "generated_at": _iso(now),
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(TZ).isoformat(timespec="seconds")
