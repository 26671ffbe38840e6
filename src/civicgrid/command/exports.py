"""The numbers as files: any table as an Excel sheet, and the monthly assessment report (DOCX).

Only aggregate numbers and the names of areas, departments and staff: no resident's data.
Each file says who made it and when, and each export is in the audit log.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Font

from civicgrid.command import indicators
from civicgrid.command.indicators import Period
from civicgrid.core.audit import log_action, register_action
from civicgrid.core.errors import DomainError

EXPORTED = register_action("command.numbers.exported", gettext_lazy("exported assessment numbers"))
REPORTED = register_action(
    "command.report.generated", gettext_lazy("generated a monthly assessment report")
)

# (indicator, column label, kind): kind "n" a count, "%" a fraction shown as a percentage,
# "h" hours.
COLUMNS: tuple[tuple[str, Any, str], ...] = (
    ("reports", gettext_lazy("Reports"), "n"),
    ("registered", gettext_lazy("Registered"), "n"),
    ("dispatched", gettext_lazy("Dispatched"), "n"),
    ("dispatch_rate", gettext_lazy("Dispatched on time"), "%"),
    ("handled", gettext_lazy("Handled"), "n"),
    ("handle_rate", gettext_lazy("Handled on time"), "%"),
    ("reworked", gettext_lazy("Rework"), "n"),
    ("rework_rate", gettext_lazy("Rework rate"), "%"),
    ("closed", gettext_lazy("Closed"), "n"),
    ("close_rate", gettext_lazy("Closed on time"), "%"),
    ("late", gettext_lazy("Overdue stages"), "n"),
    ("avg_handle_hours", gettext_lazy("Average handling time (h)"), "h"),
    ("evaluated", gettext_lazy("Rated"), "n"),
    ("satisfaction_rate", gettext_lazy("Satisfaction"), "%"),
)
TABLES = ("summary", "areas", "departments", "workers", "categories", "trend")


def _rows(table: str, area: str, p: Period) -> tuple[list[Any], list[list[Any]]]:
    """Header and rows of one table: leading columns, then the indicators, then the score."""
    start, end = p.start, p.end
    if table == "summary":
        got = indicators.summary(area, start, end)
        return [_("Area"), _("Code")], [
            [got["area"]["name"], got["area"]["code"], got["indicators"], got["score"]]
        ]
    if table == "areas":
        return [_("Rank"), _("Area"), _("Code")], [
            [r["rank"], r["name"], r["code"], r["indicators"], r["score"]]
            for r in indicators.areas(area, start, end)
        ]
    if table == "departments":
        return [_("Rank"), _("Department")], [
            [r["rank"], r["name"], r["indicators"], r["score"]]
            for r in indicators.departments(area, start, end)
        ]
    if table == "workers":
        return [_("Grid worker"), _("Area")], [
            [r["name"], r["area"], r["indicators"], None]
            for r in indicators.workers(area, start, end)["rows"]
        ]
    if table == "categories":
        return [_("Category"), _("Code")], [
            [r["name"], r["code"], r["indicators"], None]
            for r in indicators.categories(area, start, end)
        ]
    if table == "trend":
        return [_("Period")], [
            [point["period"], point["indicators"], None]
            for point in indicators.trend(area, start, end)["points"]
        ]
    raise DomainError(
        "command.bad_table",
        _("Export one of: %(tables)s.") % {"tables": ", ".join(TABLES)},
    )


def workbook(*, table: str, area: str, p: Period, by: Any) -> bytes:
    """One table as an .xlsx file with a heading (what, where, when, who exported it)."""
    head, rows = _rows(table, area, p)
    book = Workbook()
    sheet = book.active
    sheet.title = table
    region = indicators.area_for(area, area)
    sheet.append([_("CivicGrid assessment: %(table)s") % {"table": table}])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Area"), f"{region.name} ({region.code})"])
    sheet.append([_("Period"), p.start.isoformat(), p.last_day.isoformat()])
    sheet.append(
        [_("Exported by"), by.get_username(), timezone.localtime().strftime("%Y-%m-%d %H:%M")]
    )
    sheet.append([])
    sheet.append([*head, *[str(label) for _key, label, _kind in COLUMNS], _("Score")])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        *lead, ind, score = row
        sheet.append([*lead, *[ind[key] for key, _label, _kind in COLUMNS], score])
        first = len(lead) + 1
        for offset, (_key, _label, kind) in enumerate(COLUMNS):
            if kind == "%":
                sheet.cell(row=sheet.max_row, column=first + offset).number_format = "0.00%"
    data = io.BytesIO()
    book.save(data)
    log_action(
        None,
        EXPORTED,
        by=by,
        region_code=area,
        data={"table": table, "start": p.start.isoformat(), "end": p.end.isoformat()},
    )
    return data.getvalue()


def _shown(kind: str, value: Any) -> str:
    if value is None:
        return "—"
    if kind == "%":
        return f"{value * 100:.2f}%"
    if kind == "h":
        return f"{value:.2f}"
    return str(value)


def _table(doc: Any, head: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.font.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = str(text)


RANKED = (
    ("dispatch_rate", "%"),
    ("handle_rate", "%"),
    ("close_rate", "%"),
    ("rework_rate", "%"),
    ("satisfaction_rate", "%"),
)


def _label(key: str) -> str:
    return next(str(label) for k, label, _kind in COLUMNS if k == key)


def monthly_report(*, area: str, p: Period, by: Any, top: int = 10) -> bytes:
    """The month's assessment for leaders: title, period, the KPI table, the rankings of the
    child areas and departments, and the categories with most reports."""
    region = indicators.area_for(area, area)
    got = indicators.summary(area, p.start, p.end)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(10.5)
    doc.add_heading(
        _("Monthly assessment report: %(area)s, %(month)s")
        % {"area": region.name, "month": p.start.strftime("%Y-%m")},
        level=0,
    )
    doc.add_paragraph(
        _("Period: %(start)s to %(end)s. Area code %(code)s.")
        % {"start": p.start.isoformat(), "end": p.last_day.isoformat(), "code": region.code}
    )
    doc.add_heading(_("Indicators"), level=1)
    rows = [[str(label), _shown(kind, got["indicators"][key])] for key, label, kind in COLUMNS]
    rows.append([_("Open cases overdue now"), str(got["overdue_now"])])
    rows.append([_("Composite score"), _shown("h", got["score"])])
    _table(doc, [_("Indicator"), _("Value")], rows)
    rate_head = [_label(k) for k, _kind in RANKED]
    children = indicators.areas(area, p.start, p.end)
    if children:
        doc.add_heading(_("Ranking of areas"), level=1)
        _table(
            doc,
            [_("Rank"), _("Area"), _("Score"), *rate_head],
            [_ranked(r, r["name"]) for r in children],
        )
    departments = indicators.departments(area, p.start, p.end)
    if departments:
        doc.add_heading(_("Ranking of departments"), level=1)
        _table(
            doc,
            [_("Rank"), _("Department"), _("Score"), *rate_head],
            [_ranked(r, r["name"]) for r in departments],
        )
    doc.add_heading(_("Categories with most reports"), level=1)
    cats = indicators.categories(area, p.start, p.end)[:top]
    _table(
        doc,
        [_("Category"), _label("reports"), _label("closed"), _label("satisfaction_rate")],
        [
            [
                f"{c['code']} {c['name']}",
                str(c["indicators"]["reports"]),
                str(c["indicators"]["closed"]),
                _shown("%", c["indicators"]["satisfaction_rate"]),
            ]
            for c in cats
        ],
    )
    weights = ", ".join(f"{weight_label(k)} {v}" for k, v in got["weights"].items())
    doc.add_paragraph(
        _("Weights of the composite score: %(weights)s. Made by %(who)s on %(when)s.")
        % {
            "weights": weights,
            "who": by.get_username(),
            "when": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        }
    )
    data = io.BytesIO()
    doc.save(data)
    log_action(None, REPORTED, by=by, region_code=area, data={"month": p.start.isoformat()})
    return data.getvalue()


def _ranked(row: dict[str, Any], name: str) -> list[str]:
    return [
        "—" if row["rank"] is None else str(row["rank"]),
        name,
        _shown("h", row["score"]),
        *[_shown(kind, row["indicators"][key]) for key, kind in RANKED],
    ]


_WEIGHT_LABELS: dict[str, Callable[[], str]] = {
    "dispatch_rate": lambda: _label("dispatch_rate"),
    "handle_rate": lambda: _label("handle_rate"),
    "close_rate": lambda: _label("close_rate"),
    "rework_free_rate": lambda: str(gettext_lazy("Without rework")),
    "satisfaction_rate": lambda: _label("satisfaction_rate"),
}


def weight_label(key: str) -> str:
    return _WEIGHT_LABELS.get(key, lambda: key)()
