"""Importing the community's Excel sheet: good rows land, bad rows are reported, nothing is half."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from civicgrid.people.models import Household, Resident, ResidentTag
from tests import factories as f

pytestmark = pytest.mark.django_db

HEADER = [
    "姓名",
    "身份证号",
    "联系电话",
    "户编号",
    "微网格编码",
    "地址",
    "与户主关系",
    "居住类型",
    "标签",
]


def workbook(*rows: list) -> io.BytesIO:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "register.xlsx"
    return data


def upload(client, data):
    return client.post("/api/v1/people/import", {"file": data})


def test_good_rows_land_and_each_bad_row_is_reported_with_its_field(world, as_user):
    micro = world.micro_a2.code
    good_head = f.id_number("320113", date(1960, 1, 2), 13)
    good_child = f.id_number("320113", date(1990, 3, 4), 24)
    report = upload(
        as_user(world.staff),
        workbook(
            [
                "张三",
                good_head,
                "13900000001",
                "",
                micro,
                "尧新大道20号",
                "户主",
                "户籍",
                "独居、残疾",
            ],
            ["张三的女儿", good_child, "", "", micro, "尧新大道20号", "子女", "常住", ""],
            ["坏号码", "320113196001021234", "", "", micro, "尧新大道21号", "户主", "户籍", ""],
            ["重复", world.resident.id_number, "", world.household.number, "", "", "子女", "", ""],
            [
                "错电话",
                f.id_number("320113", date(1970, 1, 1), 35),
                "123",
                "",
                micro,
                "尧新大道22号",
                "户主",
                "",
                "",
            ],
            [
                "外面",
                f.id_number("320113", date(1971, 1, 1), 37),
                "",
                "",
                world.micro_b1.code,
                "马群",
                "户主",
                "",
                "",
            ],
        ),
    ).json()
    assert (report["accepted"], report["rejected"]) == (2, 4)
    by_row = {r["row"]: r for r in report["rows"]}
    assert by_row[4]["errors"][0] | {"message": ""} == {
        "field": "id_number",
        "code": "identity.id_check",
        "message": "",
    }
    assert by_row[5]["errors"][0]["code"] == "people.duplicate_id_number"
    assert (by_row[6]["errors"][0]["field"], by_row[6]["errors"][0]["code"]) == (
        "phone",
        "identity.phone",
    )
    assert by_row[7]["errors"][0]["code"] == "people.unknown_micro_grid"
    head = Resident.all_objects.get(id_number=good_head)
    child = Resident.all_objects.get(id_number=good_child)
    assert head.household == child.household  # same micro-grid and address: one household
    tags = ResidentTag.all_objects.filter(resident=head).values_list("tag", flat=True)
    assert sorted(tags) == ["disabled", "living_alone"]


def test_a_bad_row_does_not_leave_its_new_household_behind(world, as_user):
    micro = world.micro_a2.code
    upload(
        as_user(world.staff),
        workbook(["错号", "320113196001021234", "", "", micro, "无人之家1号", "户主", "", ""]),
    )
    assert not Household.all_objects.filter(address="无人之家1号").exists()


def test_a_file_that_is_not_excel_is_refused(world, as_user):
    fake = io.BytesIO(b"%PDF-1.4 not a spreadsheet")
    fake.name = "register.xlsx"
    response = upload(as_user(world.staff), fake)
    assert response.status_code == 400 and response.json()["code"] == "people.not_excel"


def test_missing_columns_are_named(world, as_user):
    book = Workbook()
    book.active.append(["姓名", "联系电话"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "x.xlsx"
    response = upload(as_user(world.staff), data)
    assert response.json()["code"] == "people.missing_columns"
    assert "身份证号" in response.json()["message"]


def test_the_import_page_shows_the_row_report(world, as_user):
    page = as_user(world.staff).post(
        "/people/import/",
        {
            "file": workbook(
                ["坏号码", "320113196001021234", "", "", world.micro_a2.code, "x", "户主", "", ""]
            )
        },
    )
    html = page.content.decode()
    assert 'data-testid="import-report"' in html and "✗" in html
