"""Excel tables and the monthly report: files that open and hold the page's (the API's) numbers."""

from __future__ import annotations

import io

import pytest
from docx import Document
from openpyxl import load_workbook

from civicgrid.command.exports import COLUMNS
from civicgrid.core.models import AuditEntry

NOV = {"start": "2026-11-01", "end": "2026-12-01"}
API = "/api/v1/command/numbers"
HEADER_ROW = 6


def sheet_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content)).active


def rows_of(sheet, lead: int) -> list[dict]:
    """The table's rows as {lead columns…, indicator: value}."""
    out = []
    for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        values = dict(zip([k for k, _l, _kind in COLUMNS], row[lead:], strict=False))
        values["lead"] = row[:lead]
        values["score"] = row[lead + len(COLUMNS)]
        out.append(values)
    return out


def test_the_summary_sheet_holds_the_apis_numbers(november, world, as_user):
    client = as_user(world.town_operator)
    api = client.get(f"{API}/summary", NOV).json()
    sheet = sheet_of(client.get("/command/numbers/export/", {**NOV, "table": "summary"}))
    assert "320113002" in sheet["B2"].value
    assert sheet["B3"].value == "2026-11-01" and sheet["C3"].value == "2026-11-30"
    assert sheet["B4"].value == world.town_operator.username
    (row,) = rows_of(sheet, 2)
    for key, _label, _kind in COLUMNS:
        assert row[key] == api["indicators"][key], key
    assert row["score"] == api["score"] == 68.0


def test_the_area_and_department_rankings_export_as_shown(november, world, as_user):
    client = as_user(world.county_operator)
    areas = client.get(f"{API}/areas", NOV).json()
    rows = rows_of(sheet_of(client.get("/command/numbers/export/", {**NOV, "table": "areas"})), 3)
    assert [r["lead"] for r in rows] == [(a["rank"], a["name"], a["code"]) for a in areas]
    assert [r["reports"] for r in rows] == [a["indicators"]["reports"] for a in areas]
    departments = client.get(f"{API}/departments", NOV).json()
    got = client.get("/command/numbers/export/", {**NOV, "table": "departments"})
    rows = rows_of(sheet_of(got), 2)
    assert [(r["lead"], r["score"]) for r in rows] == [
        ((d["rank"], d["name"]), d["score"]) for d in departments
    ]


@pytest.mark.parametrize("table", ["workers", "categories", "trend"])
def test_every_other_table_exports(november, world, as_user, table):
    sheet = sheet_of(
        as_user(world.town_operator).get("/command/numbers/export/", {**NOV, "table": table})
    )
    assert sheet.max_row > HEADER_ROW


def test_an_export_names_no_resident_and_is_in_the_audit_log(november, world, as_user):
    response = as_user(world.town_operator).get(
        "/command/numbers/export/", {**NOV, "table": "workers"}
    )
    text = " ".join(
        str(v) for row in sheet_of(response).iter_rows(values_only=True) for v in row if v
    )
    assert "13812345678" not in text and world.resident.name not in text
    entry = AuditEntry.objects.get(action="command.numbers.exported")
    assert entry.actor_username == world.town_operator.username
    assert entry.data["table"] == "workers" and entry.region_code == "320113002"


def test_an_unknown_table_is_refused(world, as_user):
    response = as_user(world.town_operator).get(
        "/command/numbers/export/", {**NOV, "table": "residents"}
    )
    assert response.status_code == 400
    assert 'data-code="command.bad_table"' in response.content.decode()


def test_the_monthly_report_opens_and_holds_the_months_numbers(november, world, as_user):
    client = as_user(world.county_operator)
    api = client.get(f"{API}/assessment", NOV).json()
    response = client.get("/command/numbers/report/", {"month": "2026-11"})
    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "栖霞区" in text and "2026-11" in text and "2026-11-30" in text
    kpis, areas, departments, categories = doc.tables
    values = {row.cells[0].text: row.cells[1].text for row in kpis.rows[1:]}
    ind = api["summary"]["indicators"]
    shown = list(values.values())
    assert shown[0] == str(ind["reports"])  # the first row is the reports
    assert f"{ind['dispatch_rate'] * 100:.2f}%" in shown
    assert f"{api['summary']['score']:.2f}" in shown
    assert [r.cells[1].text for r in areas.rows[1:]] == [a["name"] for a in api["areas"]]
    assert [r.cells[2].text for r in departments.rows[1:]] == [
        f"{d['score']:.2f}" for d in api["departments"]
    ]
    assert categories.rows[1].cells[1].text == str(api["categories"][0]["indicators"]["reports"])
    assert AuditEntry.objects.filter(action="command.report.generated").count() == 1


def test_the_report_needs_a_month(world, as_user):
    response = as_user(world.leader).get("/command/numbers/report/", {"month": "November"})
    assert response.status_code == 400
    assert 'data-code="command.bad_month"' in response.content.decode()
