"""JSON API of the leader's big screen, /api/v1/command/hall: the KPIs, hot spots and rankings
of an area in the user's own (a neighbour's area → 404, as for the numbers)."""
# No `from __future__ import annotations` here: ninja resolves the annotations.

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from civicgrid.command import hall
from civicgrid.command.api import AreaIn, AreaRef, Indicators, PeriodOut, _area

router = Router(tags=["command: big screen"])


class Kpis(Indicators):
    score: float | None = Field(description="composite score (综合评分) of the last 30 days")
    overdue_now: int = Field(description="open cases past their stage's deadline right now")
    reports_this_week: int = Field(description="reports of the last 7 × 24 hours")
    reports_last_week: int = Field(description="reports of the 7 × 24 hours before")


class Span(Schema):
    start: str
    end: str


class Weeks(Schema):
    this_week: Span
    last_week: Span


class HotCategory(Schema):
    code: str
    name: str
    this_week: int
    last_week: int
    change: int


class HotMicrogrid(Schema):
    code: str
    name: str
    community: str
    lng: float | None = Field(description="centroid, WGS-84")
    lat: float | None
    this_week: int
    last_week: int
    change: int


class RankedArea(Schema):
    code: str
    name: str
    rank: int | None
    score: float | None
    reports: int
    close_rate: float | None
    satisfaction_rate: float | None


class RankedDepartment(Schema):
    id: int
    name: str
    rank: int | None
    score: float | None
    handled: int
    handle_rate: float | None
    satisfaction_rate: float | None


class HallOut(Schema):
    area: AreaRef
    period: PeriodOut = Field(
        description="of the KPIs and rankings: the last 30 days, [start, end)"
    )
    weeks: Weeks = Field(description="of the hot spots: rolling weeks ending now")
    kpis: Kpis
    hot_categories: list[HotCategory]
    hot_microgrids: list[HotMicrogrid]
    ranking_areas: list[RankedArea]
    ranking_departments: list[RankedDepartment]
    generated_at: str = Field(description="when these numbers were read (Asia/Shanghai)")


@router.get(
    "/hall",
    response=HallOut,
    url_name="command_hall",
    summary="The big screen: KPIs, hot spots and rankings",
)
def screen(request: HttpRequest, params: Query[AreaIn]) -> Any:
    return hall.screen(_area(request, params.area))
