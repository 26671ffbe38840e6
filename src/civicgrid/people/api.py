"""JSON API for the register under /api/v1/people/: masked by default, scoped always."""
# No `from __future__ import annotations` here: ninja's @paginate resolves the annotations.

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from civicgrid.core.http import region_code_of
from civicgrid.core.identity import mask_id_number, mask_phone
from civicgrid.core.paging import LazyRows
from civicgrid.core.permissions import require
from civicgrid.people import excel, privacy, selectors, services
from civicgrid.people.models import ChangeRequest, Household, Resident, Tag

router = Router(tags=["people"])


class TagOut(Schema):
    tag: str
    kind: str
    grade: int | None


class ResidentOut(Schema):
    id: int
    name: str
    id_number_masked: str
    phone_masked: str
    gender: str
    birth_date: date
    age: int
    relation: str
    residence_type: str
    household: str
    address: str
    micro_grid: str
    tags: list[TagOut]


def resident_row(r: Resident, viewer: Any) -> dict[str, Any]:
    """One resident as the API shows them to `viewer`: masked, sensitive tags only if allowed."""
    today = date.today()
    age = (
        today.year
        - r.birth_date.year
        - ((today.month, today.day) < (r.birth_date.month, r.birth_date.day))
    )
    return {
        "id": r.pk,
        "name": privacy.shown_name(r, viewer),
        "id_number_masked": mask_id_number(r.id_number),
        "phone_masked": mask_phone(r.phone) if r.phone else "",
        "gender": r.gender,
        "birth_date": r.birth_date,
        "age": age,
        "relation": r.relation,
        "residence_type": r.residence_type,
        "household": r.household.number,
        "address": r.household.address,
        "micro_grid": r.region_id,
        "tags": [
            {"tag": t.tag, "kind": t.kind, "grade": t.grade}
            for t in privacy.visible_tags(r.tags.all(), viewer)
        ],
    }


class SearchParams(Schema):
    name: str = Field("", max_length=50, description="the start of a name")
    id_number: str = Field("", max_length=20, description="a full ID number (not shown back)")
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=100)
    tag: Tag | None = None
    area: str = Field("", max_length=24, description="a region code inside your area")
    min_age: int | None = Field(None, ge=0, le=150)
    max_age: int | None = Field(None, ge=0, le=150)

    def as_filter(self) -> selectors.ResidentFilter:
        return selectors.ResidentFilter(
            name=self.name,
            id_number=self.id_number,
            phone=self.phone,
            address=self.address,
            tag=self.tag or "",
            area=self.area,
            min_age=self.min_age,
            max_age=self.max_age,
        )


@router.get("/residents", response=list[ResidentOut], summary="Search residents (masked)")
@paginate(PageNumberPagination, page_size=50)
def search(request: HttpRequest, params: Query[SearchParams]) -> Any:
    require(request.user, "people.view")
    privacy.check_tag_filter(params.tag or "", request.user)
    found = selectors.search_residents(region_code_of(request), params.as_filter())
    return LazyRows(found, lambda r: resident_row(r, request.user), limit=10_000)


@router.get("/residents/{pk}", response=ResidentOut, summary="One resident (masked)")
def detail(request: HttpRequest, pk: int) -> Any:
    resident = selectors.resident_for(region_code_of(request), pk)
    require(request.user, "people.view")
    return resident_row(resident, request.user)


class RevealIn(Schema):
    field: str = Field(..., pattern="^(id_number|phone)$")
    reason: str = Field(..., min_length=2, max_length=200)


class RevealOut(Schema):
    field: str
    value: str


@router.post(
    "/residents/{pk}/reveal",
    response=RevealOut,
    summary="The full ID number or phone, for roles that need it; audit-logged",
)
def reveal(request: HttpRequest, pk: int, body: RevealIn) -> Any:
    resident = selectors.resident_for(region_code_of(request), pk)
    value = services.reveal(
        resident=resident, field=body.field, reason=body.reason, by=request.user
    )
    return {"field": body.field, "value": value}


class HistoryOut(Schema):
    at: str
    who: str
    change: str
    name: str
    id_number_masked: str
    phone_masked: str
    household: str
    relation: str
    residence_type: str


@router.get(
    "/residents/{pk}/history",
    response=list[HistoryOut],
    summary="Every recorded version of a resident, newest first (masked)",
)
def history(request: HttpRequest, pk: int) -> Any:
    resident = selectors.resident_for(region_code_of(request), pk)
    require(request.user, "people.view")
    return [history_row(h, request.user) for h in selectors.history_of(resident)]


def history_row(h: Any, viewer: Any) -> dict[str, Any]:
    return {
        "at": h.history_date.isoformat(),
        "who": h.history_user.username if h.history_user else "",
        "change": {"+": "created", "~": "changed", "-": "deleted"}[h.history_type],
        "name": privacy.shown_name(h, viewer),
        "id_number_masked": mask_id_number(h.id_number),
        "phone_masked": mask_phone(h.phone) if h.phone else "",
        "household": h.household.number if h.household_id else "",
        "relation": h.relation,
        "residence_type": h.residence_type,
    }


class HouseholdOut(Schema):
    number: str
    address: str
    micro_grid: str
    members: list[ResidentOut]


@router.get(
    "/households",
    response=list[HouseholdOut],
    summary="Households of an area with their members (the grid worker's book)",
)
@paginate(PageNumberPagination, page_size=50)
def households(request: HttpRequest, area: str = Query("", max_length=24)) -> Any:
    require(request.user, "people.view")
    found = selectors.households_in(region_code_of(request), area)
    return [household_row(h, request.user) for h in found]


def household_row(h: Household, viewer: Any) -> dict[str, Any]:
    members = list(h.members.all())
    for m in members:
        m.household = h  # already loaded: no query per member
    return {
        "number": h.number,
        "address": h.address,
        "micro_grid": h.region_id,
        "members": [resident_row(m, viewer) for m in members],
    }


class CountParams(Schema):
    area: str = Field("", max_length=24)
    tag: Tag | None = None
    min_age: int | None = Field(None, ge=0, le=150)
    max_age: int | None = Field(None, ge=0, le=150)
    by_child: bool = False


class CountOut(Schema):
    area: str
    total: int
    by_area: dict[str, int]


@router.get(
    "/counts",
    response=CountOut,
    summary="How many residents of an area match a tag and an age range",
)
def counts(request: HttpRequest, params: Query[CountParams]) -> Any:
    require(request.user, "people.count")
    mine = region_code_of(request)
    total, per_child = selectors.count_residents(
        mine,
        area=params.area,
        tag=params.tag or "",
        min_age=params.min_age,
        max_age=params.max_age,
        by_child=params.by_child,
    )
    return {"area": params.area or mine, "total": total, "by_area": per_child}


class ChangeIn(Schema):
    kind: ChangeRequest.Kind
    payload: dict[str, Any] = {}
    resident_id: int | None = None
    household_number: str = ""
    micro_grid: str = ""


class ChangeOut(Schema):
    id: int
    kind: str
    status: str
    micro_grid: str = Field(..., alias="region_id")
    resident_id: int | None
    household_id: int | None
    submitted_by: str
    reason: str


def change_row(c: ChangeRequest) -> dict[str, Any]:
    return {
        "id": c.pk,
        "kind": c.kind,
        "status": c.status,
        "region_id": c.region_id,
        "resident_id": c.resident_id,
        "household_id": c.household_id,
        "submitted_by": c.submitted_by.username,
        "reason": c.reason,
    }


@router.post("/changes", response={201: ChangeOut}, summary="Propose a change to the register")
def submit(request: HttpRequest, body: ChangeIn) -> Any:
    mine = region_code_of(request)
    resident = selectors.resident_for(mine, body.resident_id) if body.resident_id else None
    household = (
        selectors.household_for(mine, body.household_number) if body.household_number else None
    )
    change = services.submit_change(
        kind=body.kind,
        payload=body.payload,
        by=request.user,
        resident=resident,
        household=household,
        region_code=body.micro_grid,
    )
    return Status(201, change_row(change))


@router.get("/changes", response=list[ChangeOut], summary="Change requests of your area")
@paginate(PageNumberPagination, page_size=50)
def changes(request: HttpRequest, status: ChangeRequest.Status | None = None) -> Any:
    require(request.user, "people.view")
    return [
        change_row(c)
        for c in selectors.changes_visible_to(region_code_of(request), status=status or "")
    ]


class DecisionIn(Schema):
    reason: str = Field("", max_length=300)


@router.post("/changes/{pk}/confirm", response=ChangeOut, summary="Confirm and apply a change")
def confirm(request: HttpRequest, pk: int) -> Any:
    change = selectors.change_for(region_code_of(request), pk)
    return change_row(services.confirm_change(change=change, by=request.user))


@router.post("/changes/{pk}/reject", response=ChangeOut, summary="Reject a change with a reason")
def reject(request: HttpRequest, pk: int, body: DecisionIn) -> Any:
    change = selectors.change_for(region_code_of(request), pk)
    return change_row(services.reject_change(change=change, reason=body.reason, by=request.user))


class ImportRowOut(Schema):
    row: int
    accepted: bool
    resident_id: int | None
    errors: list[dict[str, str]]


class ImportOut(Schema):
    accepted: int
    rejected: int
    rows: list[ImportRowOut]


@router.post(
    "/import",
    response=ImportOut,
    summary="Import residents from the community's Excel template, row by row",
)
def import_excel(request: HttpRequest, file: File[UploadedFile]) -> Any:
    require(request.user, "people.edit")
    return excel.import_residents(file, by=request.user)


@router.get("/export", summary="The filtered list as an Excel file (masked)")
def export_excel(request: HttpRequest, params: Query[SearchParams]) -> HttpResponse:
    require(request.user, "people.export")
    found = selectors.search_residents(region_code_of(request), params.as_filter())
    return excel.export_response(found, by=request.user, filters=params.dict())
