"""JSON API for disputes under /api/v1/disputes/: intake, grading, routing, mediation,
agreements, follow-up, documents and numbers."""
# No `from __future__ import annotations` here: ninja's @paginate resolves the annotations.

from datetime import date, datetime
from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from civicgrid.accounts.roles import Cap
from civicgrid.core.errors import DomainError, NotFound
from civicgrid.core.paging import LazyRows
from civicgrid.core.permissions import require
from civicgrid.disputes import documents, numbers, present, routing, selectors
from civicgrid.disputes.models import Agreement
from civicgrid.disputes.services import attachments, followup, grading, intake, mediation

router = Router(tags=["disputes"])
C = "/cases/{number}"


class TypeOut(Schema):
    code: str
    name: str
    name_en: str


@router.get("/types", response=list[TypeOut], summary="Dispute types one may register")
def types(request: HttpRequest) -> Any:
    require(request.user, Cap.DISPUTES_VIEW)
    return list(selectors.active_types())


class PartyIn(Schema):
    role: str = Field(..., description="applicant, respondent or third")
    kind: str = "person"
    resident_id: int | None = Field(None, description="a resident of the register")
    name: str = Field("", max_length=100)
    id_number: str = Field("", max_length=18)
    credit_code: str = Field("", max_length=18)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    claims: str = Field("", max_length=2000)
    vulnerable: bool = False


class IntakeIn(Schema):
    source: str
    dispute_type: str
    facts: str = Field(..., max_length=5000)
    parties: list[PartyIn]
    amount: float = Field(0, ge=0)
    people_involved: int | None = Field(None, ge=1)
    repeat_petitions: int = Field(0, ge=0)
    threat_violence: bool = False
    threat_self_harm: bool = False
    group_incident: bool = False
    vulnerable_party: bool = False
    region_code: str = Field("", max_length=24)
    lng: float | None = None
    lat: float | None = None
    address: str = Field("", max_length=200)
    source_ref: str = Field("", max_length=40)


@router.post("/cases", response={201: dict[str, Any]}, summary="Take in a dispute")
def receive(request: HttpRequest, data: IntakeIn) -> Any:
    body = data.dict()
    body["parties"] = [p for p in body["parties"]]
    dispute = intake.receive_dispute(by=request.user, **body)
    return Status(201, present.detail(dispute, request.user))


class ListParams(Schema):
    state: str = ""
    colour: str = ""
    dispute_type: str = ""
    area: str = ""
    organisation: int | None = None
    mediator: int | None = None
    q: str = ""


@router.get("/cases", response=list[dict[str, Any]], summary="Disputes in your area")
@paginate(PageNumberPagination, page_size=50)
def cases(request: HttpRequest, params: Query[ListParams]) -> Any:
    qs = selectors.filter_disputes(selectors.disputes_visible_to(request.user), **params.dict())
    return LazyRows(qs, present.row, limit=10_000)


@router.get(C, response=dict[str, Any], summary="One dispute, parties masked")
def case(request: HttpRequest, number: str) -> Any:
    return present.detail(selectors.dispute_for(request.user, number), request.user)


class FactsIn(Schema):
    version: int
    reason: str = Field(..., max_length=200)
    amount: float | None = Field(None, ge=0)
    people_involved: int | None = Field(None, ge=1)
    repeat_petitions: int | None = Field(None, ge=0)
    threat_violence: bool | None = None
    threat_self_harm: bool | None = None
    group_incident: bool | None = None
    vulnerable_party: bool | None = None


@router.post(f"{C}/facts", response=dict[str, Any], summary="Change the facts and re-grade")
def facts(request: HttpRequest, number: str, data: FactsIn) -> Any:
    dispute = selectors.dispute_for(request.user, number)
    changes = {k: v for k, v in data.dict().items() if k not in ("version", "reason") and v is not None}  # fmt: skip
    grading.change_facts(dispute=dispute, by=request.user, version=data.version, reason=data.reason, **changes)  # fmt: skip
    return present.detail(dispute, request.user)


class SuggestionOut(Schema):
    organisation: int
    name: str
    channel: str
    score: float
    open_cases: int
    capacity: int
    reasons: list[str]


@router.get(f"{C}/suggestions", response=list[SuggestionOut], summary="Organisations to route to")
def suggestions(request: HttpRequest, number: str) -> Any:
    dispute = selectors.dispute_for(request.user, number)
    require(request.user, Cap.DISPUTES_ROUTE)
    return [
        {
            "organisation": s.organisation.pk,
            "name": s.organisation.name,
            "channel": s.channel,
            "score": s.score,
            "open_cases": s.open_cases,
            "capacity": s.capacity,
            "reasons": s.reasons,
        }
        for s in routing.suggest(dispute)
    ]


class RouteIn(Schema):
    version: int
    organisation: int
    note: str = Field("", max_length=500)


@router.post(f"{C}/route", response=dict[str, Any], summary="Route to a mediation organisation")
def route(request: HttpRequest, number: str, data: RouteIn) -> Any:
    dispute = selectors.dispute_for(request.user, number)
    mediation.route(dispute=dispute, organisation_id=data.organisation, by=request.user, version=data.version, note=data.note)  # fmt: skip
    return present.detail(dispute, request.user)


class AssignIn(Schema):
    version: int
    mediator: int


@router.post(f"{C}/assign", response=dict[str, Any], summary="Assign a mediator")
def assign(request: HttpRequest, number: str, data: AssignIn) -> Any:
    dispute = selectors.dispute_for(request.user, number)
    mediation.assign_mediator(dispute=dispute, mediator_id=data.mediator, by=request.user, version=data.version)  # fmt: skip
    return present.detail(dispute, request.user)


class SessionIn(Schema):
    starts_at: datetime
    mode: str
    place: str = Field(..., max_length=200)


@router.post(f"{C}/sessions", response={201: dict[str, Any]}, summary="Plan a session")
def session(request: HttpRequest, number: str, data: SessionIn) -> Any:
    dispute = selectors.dispute_for(request.user, number)
    planned = mediation.schedule_session(dispute=dispute, by=request.user, **data.dict())
    return Status(201, {"id": planned.pk, "starts_at": planned.starts_at, "mode": planned.mode})


class RecordIn(Schema):
    record: str = Field(..., max_length=10000)
    attendees: str = Field("", max_length=300)


@router.post(f"{C}/sessions/{{session_id}}/record", response=dict[str, Any], summary="Record a session")  # fmt: skip
def record(request: HttpRequest, number: str, session_id: int, data: RecordIn) -> Any:
    dispute = selectors.dispute_for(request.user, number)
    held = selectors.session_for(request.user, dispute, session_id)
    mediation.record_session(session=held, by=request.user, **data.dict())
    return {"id": held.pk, "held_at": held.held_at}


class AgreementIn(Schema):
    version: int
    disputed_issues: str = Field(..., max_length=5000)
    content: str = Field(..., max_length=10000)
    performance_method: str = Field(..., max_length=2000)
    performance_deadline: date
    effective_on: date
    partial: bool = False


@router.post(f"{C}/agreement", response=dict[str, Any], summary="Record an agreement")
def agreement(request: HttpRequest, number: str, data: AgreementIn) -> Any:
    dispute = selectors.dispute_for(request.user, number)
    mediation.record_agreement(dispute=dispute, by=request.user, **data.dict())
    return present.detail(dispute, request.user)


class NoAgreementIn(Schema):
    version: int
    next_channel: str
    note: str = Field("", max_length=2000)


@router.post(f"{C}/no-agreement", response=dict[str, Any], summary="Record no agreement")
def no_agreement(request: HttpRequest, number: str, data: NoAgreementIn) -> Any:
    dispute = selectors.dispute_for(request.user, number)
    mediation.record_no_agreement(dispute=dispute, by=request.user, **data.dict())
    return present.detail(dispute, request.user)


class ReasonIn(Schema):
    version: int
    reason: str = Field(..., max_length=500)


@router.post(f"{C}/withdraw", response=dict[str, Any], summary="Record a withdrawal")
def withdraw(request: HttpRequest, number: str, data: ReasonIn) -> Any:
    dispute = selectors.dispute_for(request.user, number)
    mediation.withdraw(dispute=dispute, by=request.user, **data.dict())
    return present.detail(dispute, request.user)


class ConfirmationIn(Schema):
    status: str
    court: str = Field(..., max_length=100)
    applied_on: date
    decided_on: date | None = None


@router.post(f"{C}/confirmation", response=dict[str, Any], summary="Judicial confirmation")
def confirmation(request: HttpRequest, number: str, data: ConfirmationIn) -> Any:
    dispute = selectors.dispute_for(request.user, number)
    require(request.user, Cap.DISPUTES_MEDIATE)
    found = Agreement.objects.filter(dispute=dispute).first()
    if found is None:
        documents.no_agreement()
    mediation.record_confirmation(agreement=found, by=request.user, **data.dict())  # type: ignore[arg-type]
    return present.detail(dispute, request.user)


class FollowUpIn(Schema):
    performance: str
    note: str = Field("", max_length=2000)


@router.post(f"{C}/follow-ups/{{follow_up_id}}", response=dict[str, Any], summary="Record a follow-up visit")  # fmt: skip
def follow_up(request: HttpRequest, number: str, follow_up_id: int, data: FollowUpIn) -> Any:
    dispute = selectors.dispute_for(request.user, number)
    visit = selectors.follow_up_for(dispute, follow_up_id)
    followup.record_follow_up(follow_up=visit, by=request.user, **data.dict())
    return present.detail(dispute, request.user)


class VersionIn(Schema):
    version: int


@router.post(f"{C}/close", response=dict[str, Any], summary="Close after the follow-ups")
def close(request: HttpRequest, number: str, data: VersionIn) -> Any:
    dispute = selectors.dispute_for(request.user, number)
    followup.close(dispute=dispute, by=request.user, version=data.version)
    return present.detail(dispute, request.user)


@router.post(f"{C}/reopen", response=dict[str, Any], summary="Reopen: performance failed")
def reopen(request: HttpRequest, number: str, data: ReasonIn) -> Any:
    dispute = selectors.dispute_for(request.user, number)
    followup.reopen(dispute=dispute, by=request.user, **data.dict())
    return present.detail(dispute, request.user)


class AttachmentIn(Schema):
    name: str = Field("", max_length=120)


@router.post(f"{C}/attachments", response={201: dict[str, Any]}, summary="Add a photo or PDF")
def attach(request: HttpRequest, number: str, data: Form[AttachmentIn], file: File[UploadedFile]) -> Any:  # fmt: skip
    dispute = selectors.dispute_for(request.user, number)
    if file.size is not None and file.size > attachments.MAX_BYTES:
        raise DomainError("disputes.file_too_large", "A file may be at most 10 MB.")
    found = attachments.add_attachment(dispute=dispute, name=data.name or file.name or "", data=file.read(), by=request.user)  # fmt: skip
    return Status(201, {"id": found.pk, "name": found.name, "content_type": found.content_type, "size": found.size})  # fmt: skip


@router.get(f"{C}/attachments/{{attachment_id}}", summary="Download an attachment")
def attachment(request: HttpRequest, number: str, attachment_id: int) -> Any:
    dispute = selectors.dispute_for(request.user, number)
    found = dispute.attachments.filter(pk=attachment_id).first()
    if found is None:
        raise NotFound("disputes.not_found", "There is no such file.")
    reply = FileResponse(default_storage.open(found.file), content_type=found.content_type, as_attachment=True, filename=found.name)  # fmt: skip
    return reply


@router.get(f"{C}/documents/{{kind}}.{{fmt}}", summary="A document as DOCX or PDF")
def document(request: HttpRequest, number: str, kind: str, fmt: str) -> HttpResponse:
    dispute = selectors.dispute_for(request.user, number)
    return documents.response(dispute, kind=kind, fmt=fmt, by=request.user)


class NumbersParams(Schema):
    area: str = ""
    since: date | None = None
    until: date | None = None
    by: str = Field("area", description="area, organisation, mediator, type or colour")


@router.get("/numbers", response=dict[str, Any], summary="Dispute numbers of your area")
def numbers_view(request: HttpRequest, params: Query[NumbersParams]) -> Any:
    return numbers.report(request.user, **params.dict())


@router.get("/numbers.xlsx", summary="The numbers as an Excel workbook")
def numbers_export(request: HttpRequest, params: Query[NumbersParams]) -> HttpResponse:
    return numbers.excel_response(request.user, **params.dict())
