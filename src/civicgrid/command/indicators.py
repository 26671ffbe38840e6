"""The assessment's numbers (GB/T 30428 performance evaluation) read from the rollups.

Every function takes an area code the caller has already checked against the user's scope
(`area_for`) and a period [start, end) of Beijing dates (`period`); docs/indicators.md says
how each number is counted. `summary` is the one the leader's big screen reuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, Sum
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.models import Organisation, User
from civicgrid.command.facts import COUNTERS
from civicgrid.command.models import WEIGHTED, Rollup, ScoreWeights
from civicgrid.command.rollups import (
    GRAINS,
    code_range,
    fold,
    month_of,
    pad,
    prefix_range,
)
from civicgrid.core.errors import DomainError, NotFound
from civicgrid.core.scoping import root_code
from civicgrid.events import loop
from civicgrid.events.models import Category
from civicgrid.regions.levels import Level, level_of_code
from civicgrid.regions.models import Region
from civicgrid.workflow.models import Flow

# The longest period one request may ask for, and the days a daily trend may cover.
MAX_DAYS = 3 * 366
DAILY_TREND_DAYS = 92
DEFAULT_WEIGHTS = {
    "dispatch_rate": 20,
    "handle_rate": 25,
    "close_rate": 25,
    "rework_free_rate": 10,
    "satisfaction_rate": 20,
}
# Rates are the share of on-time (or satisfied) among all: None when nothing was counted.
RATES = {
    "dispatch_rate": ("dispatched_on_time", "dispatched"),
    "handle_rate": ("handled_on_time", "handled"),
    "close_rate": ("closed_on_time", "closed"),
    "rework_rate": ("reworked", "handled"),
}


# --- input: period, area, weights ---------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """[start, end): Beijing dates, the end day not included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def _date(value: date | str | None, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    if not text:
        raise DomainError(
            "command.period_required",
            _("Give both ends of the period (start and end dates)."),
            field=name,
        )
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(
            "command.bad_date",
            _("%(value)s is not a date (write it as 2026-11-01).") % {"value": text[:20]},
            field=name,
        ) from None


def period(start: date | str | None, end: date | str | None) -> Period:
    """A checked period: both ends given, start before end, at most three years long."""
    first, stop = _date(start, "start"), _date(end, "end")
    if stop <= first:
        raise DomainError(
            "command.period_reversed",
            _("The period must end after it starts (the end day is not included)."),
        )
    if (stop - first).days > MAX_DAYS:
        raise DomainError(
            "command.period_too_long",
            _("A period may be at most three years long."),
            max_days=MAX_DAYS,
        )
    if first.year < 2000 or stop.year > 2100:
        raise DomainError("command.bad_date", _("Choose dates between 2000 and 2100."))
    return Period(first, stop)


def month_period(month: str | None) -> Period:
    """One calendar month given as 2026-11."""
    try:
        first = date.fromisoformat(f"{(month or '').strip()}-01")
    except ValueError:
        raise DomainError(
            "command.bad_month", _("Give the month as 2026-11."), field="month"
        ) from None
    return period(first, next_month(first))


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def in_scope(user_or_root: Any, code: str | None) -> None:
    """404 for an area outside the caller's, before anything else is said about it."""
    code = (code or "").strip()
    if code and not code.startswith(root_code(user_or_root)):
        raise NotFound("command.not_found", _("There is no such area in yours."))


def area_for(user_or_root: Any, code: str | None = None) -> Region:
    """The area to count: the user's own, or one inside it. Outside it, or unknown → 404 (the
    same answer, so nobody learns what lies beyond their area); finer than a community → 400."""
    root = root_code(user_or_root)
    code = (code or "").strip() or root
    if level_of_code(code) is None:
        raise DomainError(
            "command.bad_area",
            _("'%(code)s' is not an area code.") % {"code": code[:40]},
        )
    if not code.startswith(root):
        raise NotFound("command.not_found", _("There is no such area in yours."))
    if len(code) > 12:
        raise DomainError(
            "command.area_too_fine",
            _("Numbers go down to communities; a grid's work shows in the grid-worker table."),
        )
    region = Region.all_objects.filter(code=code).only("code", "name", "level").first()
    if region is None:
        raise NotFound("command.not_found", _("There is no such area in yours."))
    return region


def parse_weights(text: str | Mapping[str, Any] | None) -> dict[str, int] | None:
    """Weights given by a caller ("dispatch_rate:20,handle_rate:25,…" or a mapping): every
    weighted indicator named once, whole non-negative numbers adding up to 100."""
    if text is None or text == "":
        return None
    if isinstance(text, str):
        pairs: dict[str, Any] = {}
        for part in text.split(","):
            name, _sep, value = part.partition(":")
            pairs[name.strip()] = value.strip()
    else:
        pairs = dict(text)
    return check_weights(pairs)


def check_weights(pairs: Mapping[str, Any]) -> dict[str, int]:
    unknown = sorted(set(pairs) - set(WEIGHTED))
    missing = sorted(set(WEIGHTED) - set(pairs))
    if unknown or missing:
        raise DomainError(
            "command.bad_weights",
            _("Give a weight for each of: %(names)s.") % {"names": ", ".join(WEIGHTED)},
            unknown=unknown,
            missing=missing,
        )
    weights: dict[str, int] = {}
    for name in WEIGHTED:
        value = pairs[name]
        try:
            number = int(str(value))
        except ValueError:
            number = -1
        if number < 0:
            raise DomainError(
                "command.bad_weights",
                _("Weights are whole numbers of zero or more."),
                weight=name,
            )
        weights[name] = number
    total = sum(weights.values())
    if total != 100:
        raise DomainError(
            "command.bad_weights",
            _("The weights must add up to 100 (they add up to %(total)d).") % {"total": total},
            total=total,
        )
    return weights


def weights_for(area: str) -> dict[str, int]:
    """The weights of the nearest area at or above this one, else the setting's."""
    codes = [area[:n] for n in range(2, len(area) + 1) if level_of_code(area[:n]) is not None]
    row = ScoreWeights.objects.filter(region_id__in=codes).order_by("-region_id").first()
    if row is not None:
        return row.as_dict()
    configured = getattr(settings, "COMMAND_SCORE_WEIGHTS", None)
    return check_weights(configured) if configured else dict(DEFAULT_WEIGHTS)


# --- reading the rollups ------------------------------------------------------------------------


def own_grain(area: str) -> int:
    """The coarsest grain that still tells this area apart."""
    return min(g for g in GRAINS if g >= len(area))


def child_grain(area: str) -> int | None:
    finer = [g for g in GRAINS if g > len(area)]
    return min(finer) if finer else None


def child_length(area: str) -> int | None:
    """The code length of the area's children (cities under a province, towns under a county)."""
    return {2: 4, 4: 6, 6: 9, 9: 12}.get(len(area))


def _when(p: Period) -> Q:
    """Whole months from the month rows, the days around them from the day rows (an empty
    stretch is left out: the planner would still walk the index for it)."""
    m0 = p.start if p.start.day == 1 else next_month(p.start)
    m1 = month_of(p.end)
    if m0 >= m1:
        return Q(span="d", day__gte=p.start, day__lt=p.end)
    parts = [Q(span="m", day__gte=m0, day__lt=m1)]
    if p.start < m0:
        parts.append(Q(span="d", day__gte=p.start, day__lt=m0))
    if m1 < p.end:
        parts.append(Q(span="d", day__gte=m1, day__lt=p.end))
    found = parts[0]
    for part in parts[1:]:
        found |= part
    return found


# Above this many areas of a grain, a query reads the code range instead of the list.
MAX_LISTED_AREAS = 3000
GRAIN_LEVEL = {6: Level.COUNTY, 9: Level.TOWN, 12: Level.COMMUNITY}


def _areas_at(area: str, grain: int) -> list[str]:
    """The codes the rollups may hold at a grain under an area: its nodes of that level, and
    the nodes above it padded with zeros (cases placed only at a town or county)."""
    low, high = prefix_range(area)
    codes = Region.all_objects.filter(
        code__gte=low, code__lte=high, level__lte=GRAIN_LEVEL[grain]
    ).values_list("code", flat=True)
    return sorted({pad(str(code), grain) for code in codes} | {pad(area, grain)})


def _rows(cube: str, area: str, grain: int, p: Period | None) -> Any:
    """The rows of one cube and grain under an area. The index leads with the area, then the
    day: an exact list of areas lets each area's days be sought (a range of areas walks every
    day of every area in it). Changes still waiting are folded in first, so the rows are exact."""
    fold()
    qs = Rollup.objects.filter(cube=cube, grain=grain)
    listed = _areas_at(area, grain) if grain > len(area) else [pad(area, grain)]
    if len(listed) <= MAX_LISTED_AREAS:
        qs = qs.filter(area__in=listed)
    else:
        low, high = code_range(area, grain)
        qs = qs.filter(area__gte=low, area__lte=high)
    return qs.filter(_when(p)) if p is not None else qs


def _sum_fields() -> dict[str, Any]:
    return {f"s_{c}": Sum(c) for c in COUNTERS}


def _counts(row: Mapping[str, Any]) -> dict[str, int]:
    return {c: int(row.get(f"s_{c}") or 0) for c in COUNTERS}


def sums(
    cube: str, area: str, p: Period, by: Iterable[str] = (), grain: int | None = None
) -> dict[tuple[Any, ...], dict[str, int]]:
    """Counter sums for the area and period, grouped by the given fields of the rollup rows
    ("area" is the area cut to `grain`)."""
    by = tuple(by)
    qs = _rows(cube, area, grain or own_grain(area), p)
    if by:
        qs = qs.values(*by)
    out: dict[tuple[Any, ...], dict[str, int]] = {}
    if not by:
        total = qs.aggregate(**_sum_fields())
        return {(): _counts(total)}
    for row in qs.annotate(**_sum_fields()).order_by():
        out[tuple(row[f] for f in by)] = _counts(row)
    return out


def _zero() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def rates(c: Mapping[str, int]) -> dict[str, float | None]:
    """The rates, unrounded: on time (or satisfied) among all, None when nothing was counted."""
    out = {name: _rate(c.get(num, 0), c.get(den, 0)) for name, (num, den) in RATES.items()}
    out["satisfaction_rate"] = _rate(
        c.get("satisfied", 0) + c.get("basic", 0), c.get("evaluated", 0)
    )
    return out


def indicators(c: Mapping[str, int]) -> dict[str, Any]:
    """The published numbers from counter sums (docs/indicators.md); rates as fractions."""
    out: dict[str, Any] = {name: int(c.get(name, 0)) for name in COUNTERS}
    for name, value in rates(c).items():
        out[name] = None if value is None else round(value, 4)
    out["unsatisfied"] = c.get("evaluated", 0) - c.get("satisfied", 0) - c.get("basic", 0)
    out["closed_community"] = (
        c.get("closed", 0) - c.get("closed_town", 0) - c.get("closed_county", 0)
    )
    handled, closed = c.get("handled", 0), c.get("closed", 0)
    out["avg_handle_hours"] = (
        round(c.get("handle_seconds", 0) / handled / 3600, 2) if handled else None
    )
    out["avg_close_hours"] = round(c.get("close_seconds", 0) / closed / 3600, 2) if closed else None
    del out["handle_seconds"], out["close_seconds"]
    return out


def score(
    c: Mapping[str, int], weights: Mapping[str, int], skip: Iterable[str] = ()
) -> float | None:
    """The composite (0–100) of counter sums: the weighted mean of the rates that were counted;
    weights of rates with nothing to count (and of `skip`) are shared out among the others."""
    r = rates(c)
    rework = r["rework_rate"]
    parts = {
        "dispatch_rate": r["dispatch_rate"],
        "handle_rate": r["handle_rate"],
        "close_rate": r["close_rate"],
        "rework_free_rate": None if rework is None else max(0.0, 1.0 - rework),
        "satisfaction_rate": r["satisfaction_rate"],
    }
    skipped = set(skip)
    used = {
        k: v
        for k, v in parts.items()
        if v is not None and k not in skipped and weights.get(k, 0) > 0
    }
    total = sum(weights[k] for k in used)
    if not total:
        return None
    return round(100 * sum(weights[k] * v for k, v in used.items()) / total, 2)


def rank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Best score first, unscored last; equal scores share a rank (1, 2, 2, 4)."""
    rows.sort(
        key=lambda r: (r["score"] is None, -(r["score"] or 0), r.get("code", r.get("id", "")))
    )
    previous, place = None, 0
    for i, row in enumerate(rows, start=1):
        if row["score"] is None:
            row["rank"] = None
            continue
        if row["score"] != previous:
            place, previous = i, row["score"]
        row["rank"] = place
    return rows


# --- what pages, API, exports and the big screen ask for ----------------------------------------


def overdue_now(area: str) -> int:
    """Open cases past their current stage's deadline right now (not a period figure)."""
    low, high = prefix_range(area)
    return Flow.all_objects.filter(
        workflow=loop.NAME,
        state__in=loop.OPEN_STATES,
        overdue=True,
        region_id__gte=low,
        region_id__lte=high,
    ).count()


def _region(area: str) -> Region:
    region = Region.all_objects.filter(code=area).only("code", "name", "level").first()
    if region is None:
        raise NotFound("command.not_found", _("There is no such area in yours."))
    return region


def summary(
    region_code: str, start: date | str, end: date | str, weights: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """The area's numbers for the period: every indicator, the composite score, and the open
    cases overdue now. `region_code` must already be checked against the caller's scope."""
    p = period(start, end)
    region = _region(region_code)
    w = dict(weights) if weights else weights_for(region_code)
    counts = sums("a", region_code, p)[()]
    return {
        "area": {"code": region.code, "name": region.name},
        "period": p.as_dict(),
        "indicators": indicators(counts),
        "score": score(counts, w),
        "weights": w,
        "overdue_now": overdue_now(region_code),
    }


UNPLACED = _("place not confirmed")


def areas(
    region_code: str, start: date | str, end: date | str, weights: Mapping[str, int] | None = None
) -> list[dict[str, Any]]:
    """The child areas (towns of a county, communities of a town …) ranked by score. Cases
    placed only at the area itself (place not confirmed) form a row of their own, unranked."""
    p = period(start, end)
    length = child_length(region_code)
    grain = child_grain(region_code)
    if length is None or grain is None:
        return []
    w = dict(weights) if weights else weights_for(region_code)
    got = _by_child(region_code, p, grain, length)
    children = {
        r.code: r.name
        for r in Region.all_objects.filter(parent__code=region_code).only("code", "name")
    }
    rows = []
    for code in sorted(children.keys() | got.keys()):
        counts = got.get(code, _zero())
        known = code in children
        rows.append(
            {
                "code": code,
                "name": children.get(code, str(UNPLACED)),
                "placed": known,
                "indicators": indicators(counts),
                "score": score(counts, w) if known else None,
            }
        )
    return rank(rows)


def _by_child(area: str, p: Period, grain: int, length: int) -> dict[str, dict[str, int]]:
    qs = _rows("a", area, grain, p).annotate(child=Substr("area", 1, length)).values("child")
    # A case placed only at the area itself is padded with zeros (320113002 → 320113002000):
    # a code that is no child's, shown as "place not confirmed".
    return {str(row["child"]): _counts(row) for row in qs.annotate(**_sum_fields()).order_by()}


def departments(
    region_code: str, start: date | str, end: date | str, weights: Mapping[str, int] | None = None
) -> list[dict[str, Any]]:
    """Departments (handling organisations) ranked by score on the orders they got. Whether
    an order was dispatched on time is the desk's doing, so it does not weigh here."""
    p = period(start, end)
    w = dict(weights) if weights else weights_for(region_code)
    got = {
        key[0]: counts for key, counts in sums("o", region_code, p, by=("org",)).items() if key[0]
    }
    names = dict(Organisation.all_objects.filter(pk__in=list(got)).values_list("pk", "name"))
    rows = []
    for org, counts in got.items():
        rows.append(
            {
                "id": org,
                "code": f"{org:09d}",
                "name": names.get(org, f"#{org}"),
                "indicators": indicators(counts),
                "score": score(counts, w, skip=("dispatch_rate",)),
            }
        )
    rows = rank(rows)
    for row in rows:
        del row["code"]
    return rows


def workers(
    region_code: str,
    start: date | str,
    end: date | str,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> dict[str, Any]:
    """Grid workers: what they reported, and the orders sent to them; most reports first.
    `total` counts them all, `rows` holds those from `offset` on (at most `limit`)."""
    p = period(start, end)
    got = sorted(
        (
            (key[0], counts)
            for key, counts in sums("w", region_code, p, by=("worker",), grain=12).items()
        ),
        key=lambda item: (-item[1]["reports"], -item[1]["handled"], item[0]),
    )
    shown = got[offset : None if limit is None else offset + limit]
    people = {
        u.pk: u
        for u in User.objects.filter(pk__in=[pk for pk, _c in shown]).only(
            "pk", "username", "first_name", "last_name", "region_id"
        )
    }
    rows = []
    for pk, counts in shown:
        user = people.get(pk)
        rows.append(
            {
                "id": pk,
                "name": (user.get_full_name() or user.username) if user else f"#{pk}",
                "area": user.region_id if user else "",
                "indicators": indicators(counts),
            }
        )
    return {"total": len(got), "rows": rows}


def categories(
    region_code: str, start: date | str, end: date | str, by: str = "class"
) -> list[dict[str, Any]]:
    """Reports and results by category class (大类) or subclass (小类), most reports first."""
    if by not in ("class", "subclass"):
        raise DomainError("command.bad_breakdown", _("Break down by class or subclass."))
    p = period(start, end)
    got: dict[str, dict[str, int]] = {}
    for (code,), counts in sums("c", region_code, p, by=("category",)).items():
        key = code[:2] if by == "class" else code
        into = got.setdefault(key, _zero())
        for name, value in counts.items():
            into[name] += value
    names = dict(Category.objects.filter(code__in=list(got)).values_list("code", "name"))
    rows: list[dict[str, Any]] = [
        {"code": code, "name": names.get(code, code), "indicators": indicators(counts)}
        for code, counts in got.items()
    ]
    rows.sort(key=lambda r: (-r["indicators"]["reports"], r["code"]))
    return rows


def trend(
    region_code: str, start: date | str, end: date | str, step: str = "auto"
) -> dict[str, Any]:
    """The area's numbers day by day (periods up to three months) or month by month."""
    p = period(start, end)
    if step == "auto":
        step = "day" if p.days <= DAILY_TREND_DAYS else "month"
    if step not in ("day", "month"):
        raise DomainError("command.bad_step", _("Show the trend by day or by month."))
    if step == "day" and p.days > 366:
        raise DomainError("command.bad_step", _("A daily trend covers at most a year."))
    grain = own_grain(region_code)
    if step == "day":
        qs = _rows("a", region_code, grain, None).filter(span="d", day__gte=p.start, day__lt=p.end)
    else:
        qs = _rows("a", region_code, grain, p)
    got: dict[date, dict[str, int]] = {}
    for row in qs.values("day").annotate(**_sum_fields()).order_by():
        key = row["day"] if step == "day" else month_of(row["day"])
        into = got.setdefault(key, _zero())
        for name, value in _counts(row).items():
            into[name] += value
    points = []
    day = p.start if step == "day" else month_of(p.start)
    while day < p.end:
        points.append({"period": day.isoformat(), "indicators": indicators(got.get(day, _zero()))})
        day = day + timedelta(days=1) if step == "day" else next_month(day)
    return {"step": step, "points": points}
