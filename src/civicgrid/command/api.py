"""JSON API of the command centre's numbers under /api/v1/command/numbers/: scoped to the user's
area (a neighbour's area → 404), periods [start, end) of Beijing dates, both ends required."""
# No `from __future__ import annotations` here: ninja resolves the annotations.

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from civicgrid.accounts.roles import Cap
from civicgrid.command import indicators, links
from civicgrid.command.indicators import Period
from civicgrid.core.permissions import require

router = Router(tags=["command: numbers"])


class PeriodIn(Schema):
    area: str = Field("", max_length=24, description="an area in yours (default: your own)")
    start: str = Field("", max_length=10, description="first day, 2026-11-01")
    end: str = Field("", max_length=10, description="day after the last, 2026-12-01")


class WeightedIn(PeriodIn):
    weights: str = Field(
        "",
        max_length=200,
        description="dispatch_rate:20,handle_rate:25,close_rate:25,rework_free_rate:10,"
        "satisfaction_rate:20 (whole numbers adding up to 100); default: the area's",
    )


class Indicators(Schema):
    reports: int
    registered: int
    rejected: int
    merged: int
    escalated: int
    dispatched: int
    dispatched_on_time: int
    dispatch_rate: float | None = Field(description="及时派遣率, a fraction")
    returned: int
    handled: int
    handled_on_time: int
    handle_rate: float | None = Field(description="按期处置率")
    reworked: int
    rework_rate: float | None = Field(description="返工率")
    closed: int
    closed_on_time: int
    close_rate: float | None = Field(description="按期结案率")
    closed_community: int
    closed_town: int
    closed_county: int
    late: int = Field(description="stages finished after their deadline (超期)")
    evaluated: int
    satisfied: int
    basic: int
    unsatisfied: int
    satisfaction_rate: float | None = Field(description="满意率: (satisfied + basic) / evaluated")
    avg_handle_hours: float | None
    avg_close_hours: float | None


class AreaRef(Schema):
    code: str
    name: str


class PeriodOut(Schema):
    start: str
    end: str


class SummaryOut(Schema):
    area: AreaRef
    period: PeriodOut
    indicators: Indicators
    score: float | None
    weights: dict[str, int]
    overdue_now: int
    cases: dict[str, str] = Field(description="the case list behind each number")
    overdue_cases: str


class AreaRow(Schema):
    code: str
    name: str
    placed: bool
    indicators: Indicators
    score: float | None
    rank: int | None
    cases: dict[str, str]


class DepartmentRow(Schema):
    id: int
    name: str
    indicators: Indicators
    score: float | None
    rank: int | None
    cases: dict[str, str]


class WorkerRow(Schema):
    id: int
    name: str
    area: str
    indicators: Indicators


class CategoryRow(Schema):
    code: str
    name: str
    indicators: Indicators
    cases: dict[str, str]


class TrendPoint(Schema):
    period: str
    indicators: Indicators


class TrendOut(Schema):
    step: str
    points: list[TrendPoint]


class AssessmentOut(Schema):
    summary: SummaryOut
    areas: list[AreaRow]
    departments: list[DepartmentRow]
    categories: list[CategoryRow]


class WeightsOut(Schema):
    area: str
    weights: dict[str, int]


def _scope(request: HttpRequest, params: PeriodIn) -> tuple[str, Period]:
    """The area (404 outside the user's) before the right (403), then the period."""
    return _area(request, params.area), indicators.period(params.start, params.end)


def _area(request: HttpRequest, code: str) -> str:
    indicators.in_scope(request.user, code)
    require(request.user, Cap.COMMAND_VIEW)
    return indicators.area_for(request.user, code).code


def summary_of(area: str, p: Period, weights: dict[str, int] | None) -> dict[str, Any]:
    out = indicators.summary(area, p.start, p.end, weights)
    out["cases"] = links.all_cases(area, p, api=True)
    out["overdue_cases"] = links.overdue_url(area, api=True)
    return out


def areas_of(area: str, p: Period, weights: dict[str, int] | None) -> list[dict[str, Any]]:
    rows = indicators.areas(area, p.start, p.end, weights)
    for row in rows:
        row["cases"] = links.all_cases(row["code"], p, api=True) if row["placed"] else {}
    return rows


def departments_of(area: str, p: Period, weights: dict[str, int] | None) -> list[dict[str, Any]]:
    rows = indicators.departments(area, p.start, p.end, weights)
    for row in rows:
        row["cases"] = links.all_cases(area, p, department=row["id"], api=True)
    return rows


def categories_of(area: str, p: Period, by: str = "class") -> list[dict[str, Any]]:
    rows = indicators.categories(area, p.start, p.end, by=by)
    for row in rows:
        row["cases"] = links.all_cases(area, p, category=row["code"], api=True)
    return rows


@router.get("/numbers/summary", response=SummaryOut, summary="The area's indicators")
def summary(request: HttpRequest, params: Query[WeightedIn]) -> Any:
    area, p = _scope(request, params)
    return summary_of(area, p, indicators.parse_weights(params.weights))


@router.get("/numbers/areas", response=list[AreaRow], summary="Child areas, ranked by score")
def areas(request: HttpRequest, params: Query[WeightedIn]) -> Any:
    area, p = _scope(request, params)
    return areas_of(area, p, indicators.parse_weights(params.weights))


@router.get(
    "/numbers/departments", response=list[DepartmentRow], summary="Departments, ranked by score"
)
def departments(request: HttpRequest, params: Query[WeightedIn]) -> Any:
    area, p = _scope(request, params)
    return departments_of(area, p, indicators.parse_weights(params.weights))


class WorkersIn(PeriodIn):
    limit: int = Field(100, ge=1, le=5000)
    offset: int = Field(0, ge=0)


class WorkersOut(Schema):
    total: int
    rows: list[WorkerRow]


@router.get("/numbers/workers", response=WorkersOut, summary="Grid workers, most reports first")
def workers(request: HttpRequest, params: Query[WorkersIn]) -> Any:
    area, p = _scope(request, params)
    return indicators.workers(area, p.start, p.end, limit=params.limit, offset=params.offset)


class CategoriesIn(PeriodIn):
    by: str = Field("class", max_length=10, description="class (大类) or subclass (小类)")


@router.get("/numbers/categories", response=list[CategoryRow], summary="By category")
def categories(request: HttpRequest, params: Query[CategoriesIn]) -> Any:
    area, p = _scope(request, params)
    return categories_of(area, p, params.by)


class TrendIn(PeriodIn):
    step: str = Field("auto", max_length=10, description="day, month, or auto")


@router.get("/numbers/trend", response=TrendOut, summary="Day by day or month by month")
def trend(request: HttpRequest, params: Query[TrendIn]) -> Any:
    area, p = _scope(request, params)
    return indicators.trend(area, p.start, p.end, params.step)


@router.get(
    "/numbers/assessment",
    response=AssessmentOut,
    summary="Everything of the assessment page at once: the area, its child areas, the "
    "departments (ranked) and the categories",
)
def assessment(request: HttpRequest, params: Query[WeightedIn]) -> Any:
    area, p = _scope(request, params)
    weights = indicators.parse_weights(params.weights) or indicators.weights_for(area)
    return {
        "summary": summary_of(area, p, weights),
        "areas": areas_of(area, p, weights),
        "departments": departments_of(area, p, weights),
        "categories": categories_of(area, p),
    }


class AreaIn(Schema):
    area: str = Field("", max_length=24)


@router.get("/numbers/weights", response=WeightsOut, summary="The area's assessment weights")
def weights(request: HttpRequest, params: Query[AreaIn]) -> Any:
    area = _area(request, params.area)
    return {"area": area, "weights": indicators.weights_for(area)}
