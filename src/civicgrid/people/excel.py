"""Excel in and out: the community's one-row-per-resident template, and masked exports."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from civicgrid.core.audit import log_action
from civicgrid.core.errors import DomainError
from civicgrid.core.identity import mask_id_number, mask_phone
from civicgrid.core.scoping import is_within
from civicgrid.people import actions, services
from civicgrid.people.models import Household, Resident, Tag

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_EXPORT_ROWS = 100_000

# Template column → field. Community staff's sheets use the Chinese headers; English works too.
COLUMNS = {
    "姓名": "name",
    "身份证号": "id_number",
    "联系电话": "phone",
    "户编号": "household",
    "微网格编码": "micro_grid",
    "地址": "address",
    "与户主关系": "relation",
    "居住类型": "residence_type",
    "标签": "tags",
}
REQUIRED = ("name", "id_number", "relation")
RELATIONS = {
    "户主": "head",
    "配偶": "spouse",
    "子女": "child",
    "父母": "parent",
    "孙子女": "grandchild",
    "其他": "other",
}
RESIDENCE = {"户籍": "registered", "常住": "permanent", "流动": "floating"}
TAG_LABELS = {
    "独居": Tag.LIVING_ALONE,
    "残疾": Tag.DISABLED,
    "低保": Tag.LOW_INCOME,
    "困境儿童": Tag.CHILD_IN_DIFFICULTY,
    "失业": Tag.UNEMPLOYED,
    "待就业毕业生": Tag.GRADUATE_SEEKING_WORK,
    "退役军人": Tag.VETERAN,
    "重点关爱": Tag.KEY_CARE,
    "重病": Tag.SERIOUSLY_ILL,
    "已故": Tag.DECEASED,
}


@dataclass
class RowResult:
    row: int
    accepted: bool = False
    resident_id: int | None = None
    errors: list[dict[str, str]] = field(default_factory=list)


def _open(upload: IO[bytes]) -> Any:
    """The first sheet, if the upload really is an Excel workbook (checked by content)."""
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError("people.file_too_large", _("The file is larger than 10 MB."))
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, IndexError):
        raise DomainError(
            "people.not_excel", _("The file is not an Excel workbook (.xlsx).")
        ) from None


def _header(sheet: Any) -> dict[str, int]:
    first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    names = {str(v).strip(): i for i, v in enumerate(first) if v is not None}
    columns = {}
    for label, i in names.items():
        key = COLUMNS.get(label, label if label in COLUMNS.values() else None)
        if key:
            columns[key] = i
    missing = [label for label, key in COLUMNS.items() if key in REQUIRED and key not in columns]
    if missing:
        raise DomainError(
            "people.missing_columns",
            _("The sheet lacks these columns: %(cols)s.") % {"cols": "、".join(missing)},
        )
    return columns


def _cell(values: tuple[Any, ...], columns: dict[str, int], key: str) -> str:
    i = columns.get(key)
    value = values[i] if i is not None and i < len(values) else None
    return "" if value is None else str(value).strip()


def _tags(text: str) -> list[services.TagValue]:
    found = []
    for part in text.replace("，", ",").replace("、", ",").split(","):
        label = part.strip()
        if not label:
            continue
        if label not in TAG_LABELS and label not in Tag.values:
            raise DomainError(
                "people.bad_tag",
                _("'%(value)s' is not a known tag.") % {"value": label[:20]},
                field="tags",
            )
        found.append(services.TagValue(tag=TAG_LABELS.get(label, label)))
    return found


def _household(
    values: tuple[Any, ...], columns: dict[str, int], by: Any, new: dict[tuple[str, str], Household]
) -> Household:
    number = _cell(values, columns, "household")
    if number:
        household = Household.all_objects.filter(number=number).first()
        if household is None or not is_within(household.region_id, by):
            raise DomainError(
                "people.unknown_household",
                _("There is no household %(n)s in your area.") % {"n": number},
                field="household",
            )
        return household
    # Rows without a number that share micro-grid and address form one new household.
    key = (_cell(values, columns, "micro_grid"), _cell(values, columns, "address"))
    if key not in new:
        new[key] = services.register_household(region_code=key[0], address=key[1], by=by)
    return new[key]


def _import_row(
    values: tuple[Any, ...], columns: dict[str, int], by: Any, new: dict[tuple[str, str], Household]
) -> Resident:
    relation = _cell(values, columns, "relation")
    residence = _cell(values, columns, "residence_type") or "户籍"
    return services.register_resident(
        household=_household(values, columns, by, new),
        name=_cell(values, columns, "name"),
        id_number=_cell(values, columns, "id_number"),
        phone=_cell(values, columns, "phone"),
        relation=RELATIONS.get(relation, relation),
        residence_type=RESIDENCE.get(residence, residence),
        tags=_tags(_cell(values, columns, "tags")),
        by=by,
    )


def import_residents(upload: IO[bytes], *, by: Any) -> dict[str, Any]:
    """Register every good row; report every bad one with its field and reason.

    Each row is its own transaction: a bad row never stops the good ones, nor half-writes a
    person (a new household created for a row that then fails goes with it).
    """
    sheet = _open(upload)
    columns = _header(sheet)
    results: list[RowResult] = []
    new_households: dict[tuple[str, str], Household] = {}
    for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if not any(v not in (None, "") for v in values):
            continue
        result = RowResult(row=number)
        snapshot = dict(new_households)
        try:
            with transaction.atomic():
                result.resident_id = _import_row(values, columns, by, new_households).pk
            result.accepted = True
        except DomainError as exc:
            new_households.clear()
            new_households.update(snapshot)  # a household rolled back with its row
            result.errors.append(
                {
                    "field": str(exc.details.get("field", "")),
                    "code": exc.code,
                    "message": str(exc.message),
                }
            )
        results.append(result)
    accepted = sum(r.accepted for r in results)
    log_action(
        None,
        actions.IMPORTED,
        by=by,
        region_code=by.region_code,
        data={"accepted": accepted, "rejected": len(results) - accepted},
    )
    return {
        "accepted": accepted,
        "rejected": len(results) - accepted,
        "rows": [r.__dict__ for r in results],
    }


EXPORT_HEADERS = [
    "姓名",
    "身份证号",
    "联系电话",
    "性别",
    "出生日期",
    "户编号",
    "地址",
    "与户主关系",
    "居住类型",
    "微网格编码",
    "标签",
]


def _export_rows(residents: Iterable[Resident]) -> Iterable[list[Any]]:
    relation = {v: k for k, v in RELATIONS.items()}
    residence = {v: k for k, v in RESIDENCE.items()}
    tag_label: dict[str, str] = {str(v): k for k, v in TAG_LABELS.items()}
    for r in residents:
        yield [
            r.name,
            mask_id_number(r.id_number),
            mask_phone(r.phone) if r.phone else "",
            "男" if r.gender == "M" else "女",
            r.birth_date.isoformat(),
            r.household.number,
            r.household.address,
            relation.get(r.relation, r.relation),
            residence.get(r.residence_type, r.residence_type),
            r.region_id,
            "、".join(tag_label.get(t.tag, t.tag) for t in r.tags.all()),
        ]


def export_workbook(residents: Iterable[Resident], *, by: Any) -> bytes:
    """A masked workbook that says who exported it and when, on its first line."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("居民")
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    sheet.append(
        [f"导出人 exported by: {by.get_username()}  时间 at: {stamp}  (身份证号、电话已脱敏)"]
    )
    sheet.append(EXPORT_HEADERS)
    for row in _export_rows(residents):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _loggable(filters: dict[str, Any]) -> dict[str, Any]:
    # The audit log says what was searched for, without spelling out a searched ID number.
    return {
        k: mask_id_number(str(v)) if k == "id_number" else v
        for k, v in filters.items()
        if v not in ("", None)
    }


def export_response(residents: Any, *, by: Any, filters: dict[str, Any]) -> HttpResponse:
    rows = list(residents[:MAX_EXPORT_ROWS])
    content = export_workbook(rows, by=by)
    log_action(
        None,
        actions.EXPORTED,
        by=by,
        region_code=by.region_code,
        data={"rows": len(rows), "filters": _loggable(filters)},
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="residents.xlsx"'
    return response
