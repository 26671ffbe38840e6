"""JSON API for the incident loop under /api/v1/events/: report, follow, act, track."""
# No `from __future__ import annotations` here: ninja's @paginate resolves the annotations.

from datetime import datetime
from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from civicgrid.accounts.roles import Cap
from civicgrid.core.errors import DomainError, NotFound
from civicgrid.core.http import client_ip
from civicgrid.core.paging import LazyRows
from civicgrid.core.permissions import require
from civicgrid.events import present, selectors, throttle
from civicgrid.events.models import Incident, Summons
from civicgrid.events.services import escalation, intake, merging, steps
from civicgrid.workflow import services as flows

router = Router(tags=["events"])
public = Router(tags=["events: citizens"], auth=None)

MAX_UPLOAD = 12 * 1024 * 1024


def _read(files: list[UploadedFile] | None) -> list[bytes]:
    out = []
    for f in files or []:
        if f.size is not None and f.size > MAX_UPLOAD:
            raise DomainError("photo.too_large", "The photo is too large.", max_bytes=MAX_UPLOAD)
        out.append(f.read())
    return out


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    class_code: str
    class_name: str
    kind: str
    sector: str
    priority: int
    photo_required: bool


@router.get("/categories", response=list[CategoryOut], summary="Categories one may report")
def categories(request: HttpRequest) -> Any:
    require(request.user, Cap.EVENTS_VIEW)
    return [
        {
            "code": c.code,
            "name": c.name,
            "name_en": c.name_en,
            "class_code": c.parent_id,
            "class_name": c.parent.name if c.parent else "",
            "kind": c.kind,
            "sector": c.sector,
            "priority": c.priority,
            "photo_required": c.photo_required,
        }
        for c in selectors.categories_for_reporting()
    ]


class ReportIn(Schema):
    category: str = Field(..., max_length=8)
    description: str = Field(..., max_length=2000)
    lng: float | None = None
    lat: float | None = None
    address: str = Field("", max_length=200)
    priority: int | None = Field(None, ge=0, le=2)
    client_key: str = Field("", max_length=64, description="phone-made key: resending is safe")


class ReportOut(Schema):
    number: str
    state: str
    version: int
    area: str
    location_confirmed: bool
    desk: str
    responsible_worker: str
    created: bool


@router.post(
    "/reports",
    response={201: ReportOut, 200: ReportOut},
    summary="Report an incident (multipart: fields and up to 6 photos); idempotent by key",
)
def report(
    request: HttpRequest, data: Form[ReportIn], photos: File[list[UploadedFile] | None] = None
) -> Any:
    key = data.client_key or request.headers.get("Idempotency-Key", "")
    incident, created = intake.report_incident(
        category=data.category,
        description=data.description,
        by=request.user,
        source=Incident.Source.GRID_WORKER
        if getattr(request.user, "role", "") in ("grid_worker", "liaison")
        else Incident.Source.HOTLINE,
        lng=data.lng,
        lat=data.lat,
        address=data.address,
        photos=_read(photos),
        priority=data.priority,
        client_key=key or None,
    )
    worker = incident.responsible_worker
    body = {
        "number": incident.number,
        "state": incident.flow.state,
        "version": incident.flow.version,
        "area": incident.region_id,
        "location_confirmed": incident.location_confirmed,
        "desk": incident.desk_id,
        "responsible_worker": (worker.get_full_name() or worker.username) if worker else "",
        "created": created,
    }
    return Status(201 if created else 200, body)


class ListParams(Schema):
    state: str = Field("", max_length=20, description="a state, or 'open'")
    category: str = Field("", max_length=8)
    area: str = Field("", max_length=24)
    overdue: bool | None = None
    source: str = Field("", max_length=12)
    supervised: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    step: str = Field("", max_length=20, description="cases that took this step since/until")
    department: int | None = Field(None, description="handled by this organisation (id)")


class IncidentOut(Schema):
    number: str
    state: str
    state_label: str
    version: int
    category: str
    category_name: str
    priority: int
    description: str
    address: str
    lng: float | None
    lat: float | None
    area: str
    location_confirmed: bool
    desk: str
    level: int
    source: str
    handler: str
    supervised: bool
    overdue: bool
    due_at: str | None
    reported_at: str | None
    closed_at: str | None
    satisfaction: str


@router.get("/incidents", response=list[IncidentOut], summary="Cases in your area, filtered")
@paginate(PageNumberPagination, page_size=50)
def incidents(request: HttpRequest, params: Query[ListParams]) -> Any:
    require(request.user, Cap.EVENTS_VIEW)
    qs = selectors.filter_incidents(selectors.incidents_visible_to(request.user), **params.dict())
    return LazyRows(qs, present.incident_row, limit=10_000)


@router.get("/tasks", response=list[IncidentOut], summary="What waits for me, by deadline")
def tasks(request: HttpRequest) -> Any:
    require(request.user, Cap.EVENTS_VIEW)
    return [present.incident_row(i) for i in selectors.my_tasks(request.user)[:200]]


class TimelineOut(Schema):
    at: str | None
    who: str
    kind: str
    action: str
    action_label: str
    from_state: str
    to_state: str
    note: str
    reason: str
    satisfaction: str = ""
    data: dict[str, Any]


class PhotoOut(Schema):
    id: int
    stage: str
    url: str
    width: int
    height: int
    taken_at: str | None


class IncidentDetailOut(IncidentOut):
    category_photo_required: bool
    reporter: str
    reporter_phone_masked: str
    responsible_worker: str
    merged_into: str
    supervision_note: str
    rework_count: int
    evaluation_comment: str
    photos: list[PhotoOut]
    timeline: list[TimelineOut]
    actions: list[str]


def _incident(request: HttpRequest, number: str) -> Incident:
    require(request.user, Cap.EVENTS_VIEW)
    return selectors.incident_for(request.user, number)


def _detail(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    incident = selectors.incident_for(request.user, incident.number)
    return present.incident_detail(incident, selectors.actions_for(incident, request.user))


@router.get("/incidents/{number}", response=IncidentDetailOut, summary="One case")
def incident(request: HttpRequest, number: str) -> Any:
    return _detail(request, _incident(request, number))


@router.get("/incidents/{number}/photos/{photo_id}", summary="A photo of a case")
def photo(request: HttpRequest, number: str, photo_id: int) -> Any:
    found = _incident(request, number).photos.filter(pk=photo_id).first()
    if found is None:
        raise NotFound("events.photo_not_found", "There is no such photo.")
    return FileResponse(default_storage.open(found.file), content_type=found.content_type)


class VersionIn(Schema):
    version: int = Field(..., ge=1)
    note: str = Field("", max_length=500)


class ReasonIn(Schema):
    version: int = Field(..., ge=1)
    reason: str = Field(..., max_length=500)


class DispatchIn(Schema):
    version: int = Field(..., ge=1)
    handler: str = Field(
        ..., max_length=40, description="worker:<id>, department:<id>, community:<code>"
    )
    note: str = Field("", max_length=500)


class MergeIn(Schema):
    version: int = Field(..., ge=1)
    into: str = Field(..., max_length=16)


class SummonIn(Schema):
    departments: list[int]
    hours: float = 2.0
    note: str = Field("", max_length=500)


class NoteIn(Schema):
    note: str = Field(..., max_length=500)


class CommentIn(Schema):
    text: str = Field(..., max_length=2000)


class EvaluateIn(Schema):
    satisfaction: str = Field(..., max_length=12)
    comment: str = Field("", max_length=500)


class RelocateIn(Schema):
    version: int = Field(..., ge=1)
    lng: float
    lat: float


class FinishIn(Schema):
    version: int = Field(..., ge=1)
    result: str = Field(..., max_length=2000)


@router.post("/incidents/{number}/register", response=IncidentDetailOut, summary="立案")
def register(request: HttpRequest, number: str, body: VersionIn) -> Any:
    case = _incident(request, number)
    steps.register(incident=case, by=request.user, version=body.version, note=body.note)
    return _detail(request, case)


@router.post("/incidents/{number}/reject", response=IncidentDetailOut, summary="不予立案")
def reject(request: HttpRequest, number: str, body: ReasonIn) -> Any:
    case = _incident(request, number)
    steps.reject(incident=case, by=request.user, version=body.version, reason=body.reason)
    return _detail(request, case)


@router.post("/incidents/{number}/dispatch", response=IncidentDetailOut, summary="派单")
def dispatch(request: HttpRequest, number: str, body: DispatchIn) -> Any:
    case = _incident(request, number)
    steps.dispatch(
        incident=case,
        to=steps.Handler.parse(body.handler),
        by=request.user,
        version=body.version,
        note=body.note,
    )
    return _detail(request, case)


@router.post("/incidents/{number}/return", response=IncidentDetailOut, summary="退单")
def return_order(request: HttpRequest, number: str, body: ReasonIn) -> Any:
    case = _incident(request, number)
    steps.return_order(incident=case, by=request.user, version=body.version, reason=body.reason)
    return _detail(request, case)


@router.post("/incidents/{number}/accept", response=IncidentDetailOut, summary="签收")
def accept(request: HttpRequest, number: str, body: VersionIn) -> Any:
    case = _incident(request, number)
    steps.accept(incident=case, by=request.user, version=body.version)
    return _detail(request, case)


@router.post(
    "/incidents/{number}/finish",
    response=IncidentDetailOut,
    summary="处置反馈 (multipart: result and photos)",
)
def finish(
    request: HttpRequest,
    number: str,
    data: Form[FinishIn],
    photos: File[list[UploadedFile] | None] = None,
) -> Any:
    case = _incident(request, number)
    steps.finish(
        incident=case,
        by=request.user,
        version=data.version,
        result=data.result,
        photos=_read(photos),
    )
    return _detail(request, case)


@router.post("/incidents/{number}/close", response=IncidentDetailOut, summary="核查, 结案")
def close(request: HttpRequest, number: str, body: VersionIn) -> Any:
    case = _incident(request, number)
    steps.close(incident=case, by=request.user, version=body.version, note=body.note)
    return _detail(request, case)


@router.post("/incidents/{number}/rework", response=IncidentDetailOut, summary="返工")
def rework(request: HttpRequest, number: str, body: ReasonIn) -> Any:
    case = _incident(request, number)
    steps.rework(incident=case, by=request.user, version=body.version, reason=body.reason)
    return _detail(request, case)


@router.post("/incidents/{number}/escalate", response=IncidentDetailOut, summary="吹哨: up a level")
def escalate(request: HttpRequest, number: str, body: VersionIn) -> Any:
    case = _incident(request, number)
    escalation.escalate(incident=case, by=request.user, version=body.version, note=body.note)
    return _detail(request, case)


@router.post("/incidents/{number}/merge", response=IncidentDetailOut, summary="Merge a duplicate")
def merge(request: HttpRequest, number: str, body: MergeIn) -> Any:
    case = _incident(request, number)
    target = selectors.incident_for(request.user, body.into)
    merging.merge(incident=case, into=target, by=request.user, version=body.version)
    return _detail(request, case)


@router.post(
    "/incidents/{number}/summon", response=IncidentDetailOut, summary="Summon departments (报到)"
)
def summon(request: HttpRequest, number: str, body: SummonIn) -> Any:
    case = _incident(request, number)
    escalation.summon(
        incident=case,
        departments=body.departments,
        by=request.user,
        hours=body.hours,
        note=body.note,
    )
    return _detail(request, case)


@router.post("/incidents/{number}/supervise", response=IncidentDetailOut, summary="督办")
def supervise(request: HttpRequest, number: str, body: NoteIn) -> Any:
    case = _incident(request, number)
    steps.supervise(incident=case, by=request.user, note=body.note)
    return _detail(request, case)


@router.post(
    "/incidents/{number}/evaluate", response=IncidentDetailOut, summary="The reporter rates"
)
def evaluate(request: HttpRequest, number: str, body: EvaluateIn) -> Any:
    case = _incident(request, number)
    steps.evaluate(
        incident=case, by=request.user, satisfaction=body.satisfaction, comment=body.comment
    )
    return _detail(request, case)


@router.post(
    "/incidents/{number}/relocate", response=IncidentDetailOut, summary="Confirm the place"
)
def relocate(request: HttpRequest, number: str, body: RelocateIn) -> Any:
    case = _incident(request, number)
    steps.confirm_location(
        incident=case, lng=body.lng, lat=body.lat, by=request.user, version=body.version
    )
    return _detail(request, case)


@router.post("/incidents/{number}/comments", response=IncidentDetailOut, summary="Comment")
def comment(request: HttpRequest, number: str, body: CommentIn) -> Any:
    case = _incident(request, number)
    flows.comment(flow=case.flow, text=body.text, by=request.user)
    return _detail(request, case)


class CandidateOut(Schema):
    number: str
    distance_m: float
    description: str
    state: str
    reported_at: str | None


@router.get(
    "/incidents/{number}/duplicates",
    response=list[CandidateOut],
    summary="Reports that may describe the same incident",
)
def duplicates(request: HttpRequest, number: str) -> Any:
    case = _incident(request, number)
    return [
        {
            "number": c.incident.number,
            "distance_m": round(c.distance_m, 1),
            "description": c.incident.description,
            "state": c.incident.flow.state,
            "reported_at": present.local(c.incident.reported_at),
        }
        for c in selectors.merge_candidates(case, request.user)
    ]


class SuggestionOut(Schema):
    handler: str
    name: str
    grid: str
    distance_m: float | None
    open_orders: int
    from_position: bool


@router.get(
    "/incidents/{number}/nearest-workers",
    response=list[SuggestionOut],
    summary="Grid workers to dispatch to, nearest first",
)
def nearest_workers(request: HttpRequest, number: str) -> Any:
    case = _incident(request, number)
    require(request.user, Cap.EVENTS_TRIAGE)
    return [
        {
            "handler": f"worker:{s.worker.pk}",
            "name": s.worker.get_full_name() or s.worker.username,
            "grid": s.worker.region_code,
            "distance_m": round(s.distance_m, 1) if s.distance_m is not None else None,
            "open_orders": s.open_orders,
            "from_position": s.from_position,
        }
        for s in selectors.nearest_workers(case)
    ]


class SummonsOut(Schema):
    id: int
    incident: str
    department: str
    due_at: str | None
    overdue: bool


@router.get("/summonses", response=list[SummonsOut], summary="Whistles my department must answer")
def summonses(request: HttpRequest) -> Any:
    require(request.user, Cap.EVENTS_ACKNOWLEDGE)
    return [_summons_row(s) for s in selectors.pending_summonses(request.user)]


def _summons_row(s: Summons) -> dict[str, Any]:
    return {
        "id": s.pk,
        "incident": s.whistle.incident.number,
        "department": s.organisation.name,
        "due_at": present.local(s.due_at),
        "overdue": s.overdue,
    }


@router.post(
    "/summonses/{summons_id}/acknowledge", response=SummonsOut, summary="报到: report for duty"
)
def acknowledge(request: HttpRequest, summons_id: int, body: NoteIn) -> Any:
    require(request.user, Cap.EVENTS_ACKNOWLEDGE)
    found = selectors.pending_summonses(request.user).filter(pk=summons_id).first()
    if found is None:
        raise NotFound("events.summons_not_found", "There is no such summons for your department.")
    return _summons_row(escalation.acknowledge(summons=found, by=request.user, note=body.note))


class TrackIn(Schema):
    number: str = Field(..., max_length=16)
    phone: str = Field(..., max_length=20)


class TrackOut(Schema):
    number: str
    state: str
    state_label: str
    category_name: str
    reported_at: str | None
    closed_at: str | None
    merged_into: str
    satisfaction: str
    steps: list[dict[str, Any]]


@public.post("/track", response=TrackOut, summary="A citizen follows a case by number and phone")
def track(request: HttpRequest, body: TrackIn) -> Any:
    throttle.count_lookup(client_ip(request))
    return present.tracking(steps.citizen_case(body.number, body.phone))


class CitizenEvaluateIn(TrackIn):
    satisfaction: str = Field(..., max_length=12)
    comment: str = Field("", max_length=500)


@public.post("/track/evaluate", response=TrackOut, summary="A citizen rates a closed case")
def track_evaluate(request: HttpRequest, body: CitizenEvaluateIn) -> Any:
    throttle.count_lookup(client_ip(request))
    case = steps.evaluate_as_citizen(
        number=body.number,
        phone=body.phone,
        satisfaction=body.satisfaction,
        comment=body.comment,
    )
    return present.tracking(case)
