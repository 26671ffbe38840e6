"""Pages: numbers and assessment (量化考核) of the user's area, its Excel exports and the monthly
report. The numbers come from civicgrid.command.indicators, the same as the API's."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.accounts.roles import Cap
from civicgrid.command import exports, indicators, links
from civicgrid.command.facts import TZ
from civicgrid.command.indicators import Period
from civicgrid.core.errors import DomainError
from civicgrid.core.permissions import require
from civicgrid.regions.models import Region

WORKERS_SHOWN = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _today() -> date:
    return timezone.now().astimezone(TZ).date()


def _this_month() -> Period:
    first = _today().replace(day=1)
    return Period(first, indicators.next_month(first))


def _area(request: HttpRequest) -> Region:
    """The area asked for (404 outside the user's own), then the right to see numbers (403)."""
    indicators.in_scope(request.user, request.GET.get("area"))
    require(request.user, Cap.COMMAND_VIEW)
    return indicators.area_for(request.user, request.GET.get("area"))


def _period(request: HttpRequest) -> Period:
    start, end = request.GET.get("start"), request.GET.get("end")
    if not start and not end:
        return _this_month()
    return indicators.period(start, end)


def _shortcuts() -> list[tuple[str, Period]]:
    today = _today()
    this_month = _this_month()
    last_month = Period(indicators.month_of(this_month.start - timedelta(days=1)), this_month.start)
    year = Period(date(today.year, 1, 1), date(today.year + 1, 1, 1))
    twelve = Period(
        indicators.next_month(today).replace(year=indicators.next_month(today).year - 1),
        indicators.next_month(today),
    )
    return [
        (_("This month"), this_month),
        (_("Last month"), last_month),
        (_("This year"), year),
        (_("Last 12 months"), twelve),
    ]


def _with_links(rows: list[dict[str, Any]], p: Period, **kind: Any) -> list[dict[str, Any]]:
    for row in rows:
        if kind.get("area_rows"):
            row["cases"] = links.all_cases(row["code"], p) if row["placed"] else {}
        elif kind.get("departments"):
            row["cases"] = links.all_cases(kind["area"], p, department=row["id"])
        else:
            row["cases"] = links.all_cases(kind["area"], p, category=row["code"])
    return rows


@login_required
def numbers(request: HttpRequest) -> HttpResponse:
    region = _area(request)
    area = region.code
    context: dict[str, Any] = {"region": region, "shortcuts": _shortcuts()}
    try:
        p = _period(request)
    except DomainError as exc:
        context.update(
            error=exc, start=request.GET.get("start", ""), end=request.GET.get("end", "")
        )
        return render(request, "command/numbers/page.html", context, status=exc.status)
    # One look-up of the area's weights for the score, the rankings and the note under them.
    weights = indicators.weights_for(area)
    got = indicators.summary(area, p.start, p.end, weights)
    categories = indicators.categories(area, p.start, p.end)
    trend = indicators.trend(area, p.start, p.end)
    workers = indicators.workers(area, p.start, p.end, limit=WORKERS_SHOWN)
    context.update(
        period=p,
        start=p.start.isoformat(),
        end=p.end.isoformat(),
        summary=got,
        cases=links.all_cases(area, p),
        overdue_cases=links.overdue_url(area),
        areas=_with_links(indicators.areas(area, p.start, p.end, weights), p, area_rows=True),
        departments=_with_links(
            indicators.departments(area, p.start, p.end, weights), p, departments=True, area=area
        ),
        categories=_with_links(categories, p, area=area),
        workers=workers["rows"],
        workers_total=workers["total"],
        trend_chart={
            "step": trend["step"],
            "periods": [point["period"] for point in trend["points"]],
            "reports": [point["indicators"]["reports"] for point in trend["points"]],
            "closed": [point["indicators"]["closed"] for point in trend["points"]],
            "close_rate": [point["indicators"]["close_rate"] for point in trend["points"]],
        },
        category_chart=[
            {"name": f"{c['code']} {c['name']}", "value": c["indicators"]["reports"]}
            for c in categories
        ],
        month=(p.start.strftime("%Y-%m")),
        weights=[(exports.weight_label(k), v) for k, v in got["weights"].items()],
        tables=exports.TABLES,
    )
    return render(request, "command/numbers/page.html", context)


def _file(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """One table of the page as an Excel file (?table=areas&area=…&start=…&end=…)."""
    area = _area(request).code
    p = indicators.period(request.GET.get("start"), request.GET.get("end"))
    table = request.GET.get("table", "summary")
    data = exports.workbook(table=table, area=area, p=p, by=request.user)
    return _file(data, XLSX, f"assessment-{table}-{area}-{p.start}-{p.last_day}.xlsx")


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The monthly assessment report for leaders as a Word document (?month=2026-11&area=…)."""
    area = _area(request).code
    p = indicators.month_period(request.GET.get("month"))
    data = exports.monthly_report(area=area, p=p, by=request.user)
    return _file(data, DOCX, f"assessment-report-{area}-{p.start:%Y-%m}.docx")


urlpatterns: list[URLPattern] = [
    path("numbers/", numbers, name="numbers"),
    path("numbers/export/", export, name="numbers_export"),
    path("numbers/report/", report, name="numbers_report"),
]
