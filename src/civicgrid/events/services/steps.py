"""The loop's steps after intake: register or reject, dispatch, accept, report back, verify,
rework, evaluate; and the desk's corrections (confirm the place, supervise)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.models import Organisation, User
from civicgrid.accounts.roles import ORGANISATION_ROLES, Cap
from civicgrid.core import photos as photo_files
from civicgrid.core.errors import Conflict, DomainError, Forbidden
from civicgrid.core.identity import parse_phone
from civicgrid.core.permissions import require
from civicgrid.core.scoping import is_within
from civicgrid.events import loop
from civicgrid.events.models import Incident, Photo
from civicgrid.events.services.common import (
    announce,
    desk_staff,
    require_desk,
    require_handler,
    require_verifier,
    tell,
    text,
)
from civicgrid.events.services.intake import clean_photos, store_photos
from civicgrid.events.services.referral import refer_if_dispute
from civicgrid.regions.levels import Level
from civicgrid.regions.locate import locate_point
from civicgrid.regions.models import Region
from civicgrid.workflow import services as flows
from civicgrid.workflow.models import Flow


@dataclass(frozen=True)
class Handler:
    """Who an order goes to: a grid worker (user id), a department (organisation id) or a
    community (region code)."""

    kind: str
    ref: str

    @classmethod
    def parse(cls, value: str) -> Handler:
        kind, _sep, ref = (value or "").partition(":")
        if kind not in Incident.HandlerKind.values or not ref:
            raise DomainError(
                "events.bad_handler",
                _("Say who handles it: worker:<id>, department:<id> or community:<code>."),
            )
        return cls(kind, ref)


def step(
    incident: Incident,
    name: str,
    *,
    by: Any,
    version: int,
    inputs: Mapping[str, Any] | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Flow:
    """Take one declared transition of the incident's flow (state, role, inputs, version)."""
    now = now or timezone.now()
    flow = flows.transition(
        flow=incident.flow,
        name=name,
        by=by,
        expected_version=version,
        inputs=inputs,
        note=note,
        now=now,
    )
    return flow


def _save(incident: Incident, *fields: str) -> Incident:
    incident.save(update_fields=list(fields))
    return incident


@transaction.atomic
def register(
    *, incident: Incident, by: Any, version: int, note: str = "", now: datetime | None = None
) -> Incident:
    """立案: the desk accepts the report as a case to dispatch; a dispute between people is also
    handed to mediation (workflow.signals.dispute_referred)."""
    require(by, Cap.EVENTS_TRIAGE)
    require_desk(incident, by)
    now = now or timezone.now()
    step(incident, "register", by=by, version=version, note=note, now=now)
    refer_if_dispute(incident, now)
    announce(incident, "register", now)
    return incident


@transaction.atomic
def reject(
    *, incident: Incident, by: Any, version: int, reason: str, now: datetime | None = None
) -> Incident:
    """不予立案: not a case for us, with the reason the reporter will see."""
    require(by, Cap.EVENTS_TRIAGE)
    require_desk(incident, by)
    reason = text(reason, field="reason", max_length=500)
    now = now or timezone.now()
    step(incident, "reject", by=by, version=version, inputs={"reason": reason}, now=now)
    incident.closed_at = now
    _save(incident, "closed_at")
    if incident.reporter is not None:
        tell([incident.reporter], incident, "events.rejected", _("not registered"), reason)
    announce(incident, "reject", now)
    return incident


def _worker(incident: Incident, ref: str) -> User:
    worker = User.objects.filter(pk=int(ref) if ref.isdigit() else -1, is_active=True).first()
    # Organisation staff get orders through their organisation, not by name.
    if worker is None or not worker.can(Cap.EVENTS_HANDLE) or worker.role in ORGANISATION_ROLES:
        raise DomainError("events.bad_handler", _("There is no such grid worker."))
    if not worker.region_code.startswith(incident.desk_id):
        raise DomainError(
            "events.handler_outside_desk",
            _("%(name)s works outside the area of this desk.")
            % {"name": worker.get_full_name() or worker.username},
        )
    return worker


def _department(incident: Incident, ref: str) -> Organisation:
    org = Organisation.all_objects.filter(
        pk=int(ref) if ref.isdigit() else -1, is_active=True
    ).first()
    # A department answers for its own area: the incident must lie in it.
    if org is None or not incident.region_id.startswith(org.region_id):
        raise DomainError(
            "events.bad_handler", _("There is no such department for the place of this case.")
        )
    return org


def _community(incident: Incident, ref: str) -> str:
    known = Region.all_objects.filter(code=ref, level=Level.COMMUNITY).exists()
    if not known or not ref.startswith(incident.desk_id):
        raise DomainError("events.bad_handler", _("There is no such community under this desk."))
    return ref


def _handler_people(incident: Incident) -> list[Any]:
    if incident.handler_user is not None:
        return [incident.handler_user]
    if incident.handler_org_id is not None:
        return list(User.objects.filter(organisation_id=incident.handler_org_id, is_active=True))
    if incident.handler_region_id:
        return desk_staff(incident.handler_region_id)
    return []


@transaction.atomic
def dispatch(
    *,
    incident: Incident,
    to: Handler,
    by: Any,
    version: int,
    note: str = "",
    now: datetime | None = None,
) -> Incident:
    """派单: send the case to a grid worker, a department or a community."""
    require(by, Cap.EVENTS_TRIAGE)
    require_desk(incident, by)
    incident.handler_kind = to.kind
    incident.handler_user = _worker(incident, to.ref) if to.kind == "worker" else None
    incident.handler_org = _department(incident, to.ref) if to.kind == "department" else None
    incident.handler_region_id = _community(incident, to.ref) if to.kind == "community" else None
    step(
        incident,
        "dispatch",
        by=by,
        version=version,
        inputs={"handler": f"{to.kind}:{to.ref}", "handler_label": incident.handler_label},
        note=note,
        now=now,
    )
    _save(incident, "handler_kind", "handler_user", "handler_org", "handler_region")
    tell(_handler_people(incident), incident, "events.dispatched", _("new work order"))
    announce(incident, "dispatch", now)
    return incident


@transaction.atomic
def return_order(
    *, incident: Incident, by: Any, version: int, reason: str, now: datetime | None = None
) -> Incident:
    """退单: the handler says the order is not theirs; the desk dispatches it again."""
    require(by, Cap.EVENTS_HANDLE)
    require_handler(incident, by)
    reason = text(reason, field="reason", max_length=500)
    step(incident, "return", by=by, version=version, inputs={"reason": reason}, now=now)
    tell(desk_staff(incident.desk_id), incident, "events.returned", _("order sent back"))
    announce(incident, "return", now)
    return incident


@transaction.atomic
def accept(*, incident: Incident, by: Any, version: int, now: datetime | None = None) -> Incident:
    """签收: the handler takes the order on."""
    require(by, Cap.EVENTS_HANDLE)
    require_handler(incident, by)
    step(incident, "accept", by=by, version=version, now=now)
    announce(incident, "accept", now)
    return incident


def _feedback_photos(incident: Incident, photos: list[bytes]) -> list[photo_files.CleanPhoto]:
    cleaned = clean_photos(photos)
    if incident.category.photo_required and not cleaned:
        raise DomainError(
            "events.photo_required",
            _("A photo of the result is required for %(category)s.")
            % {"category": incident.category.name},
        )
    return cleaned


@transaction.atomic
def finish(
    *,
    incident: Incident,
    by: Any,
    version: int,
    result: str,
    photos: list[bytes] | None = None,
    now: datetime | None = None,
) -> Incident:
    """处置反馈: the handler reports what was done, with photos where the category needs them."""
    require(by, Cap.EVENTS_HANDLE)
    require_handler(incident, by)
    result = text(result, field="result", max_length=2000)
    cleaned = _feedback_photos(incident, list(photos or []))
    now = now or timezone.now()
    stored = store_photos(incident, cleaned, Photo.Stage.FEEDBACK, now)
    step(
        incident,
        "finish",
        by=by,
        version=version,
        inputs={"result": result, "photos": [p.file for p in stored]},
        now=now,
    )
    verifiers = [incident.reporter] if incident.reporter is not None else []
    tell(verifiers or desk_staff(incident.desk_id), incident, "events.handled", _("handled"))
    announce(incident, "finish", now)
    return incident


@transaction.atomic
def close(
    *, incident: Incident, by: Any, version: int, note: str = "", now: datetime | None = None
) -> Incident:
    """核查通过, 结案: the reporter's side saw the result and closes the case."""
    require(by, Cap.EVENTS_VERIFY)
    require_verifier(incident, by)
    now = now or timezone.now()
    step(incident, "close", by=by, version=version, note=note, now=now)
    incident.closed_at = now
    _save(incident, "closed_at")
    announce(incident, "close", now)
    return incident


@transaction.atomic
def rework(
    *, incident: Incident, by: Any, version: int, reason: str, now: datetime | None = None
) -> Incident:
    """返工: the result does not hold; back to the handler with the reason."""
    require(by, Cap.EVENTS_VERIFY)
    require_verifier(incident, by)
    reason = text(reason, field="reason", max_length=500)
    step(incident, "rework", by=by, version=version, inputs={"reason": reason}, now=now)
    incident.rework_count += 1
    _save(incident, "rework_count")
    tell(_handler_people(incident), incident, "events.rework", _("sent back for rework"))
    announce(incident, "rework", now)
    return incident


def _evaluate(
    incident: Incident,
    satisfaction: str,
    comment: str,
    by: Any,
    label: str,
    now: datetime | None = None,
) -> None:
    if incident.flow.state != loop.CLOSED:
        raise Conflict("events.not_closed", _("A case can be rated once it is closed."))
    if incident.satisfaction:
        raise Conflict("events.already_evaluated", _("This case has already been rated."))
    if satisfaction not in Incident.Satisfaction.values:
        raise DomainError(
            "events.bad_satisfaction",
            _("Rate it satisfied, basically satisfied or unsatisfied."),
        )
    comment = text(comment, field="comment", max_length=500, required=False)
    now = now or timezone.now()
    updated = Incident.all_objects.filter(pk=incident.pk, satisfaction="").update(
        satisfaction=satisfaction, evaluation_comment=comment, evaluated_at=now
    )
    if updated != 1:
        raise Conflict("events.already_evaluated", _("This case has already been rated."))
    incident.satisfaction, incident.evaluation_comment, incident.evaluated_at = (
        satisfaction,
        comment,
        now,
    )
    flows.record_event(
        flow=incident.flow,
        action="evaluate",
        by=by,
        note=comment,
        data={"satisfaction": satisfaction, "by": label},
        now=now,
    )
    if satisfaction == Incident.Satisfaction.UNSATISFIED:
        tell(desk_staff(incident.desk_id), incident, "events.unsatisfied", _("unsatisfied"))


@transaction.atomic
def evaluate(
    *,
    incident: Incident,
    by: Any,
    satisfaction: str,
    comment: str = "",
    now: datetime | None = None,
) -> Incident:
    """评价: the reporter rates the result."""
    if incident.reporter_id is None or incident.reporter_id != getattr(by, "pk", None):
        raise Forbidden("events.not_the_reporter", _("Only the reporter can rate this case."))
    _evaluate(incident, satisfaction, comment, by, by.get_username(), now)
    announce(incident, "evaluate", now)
    return incident


def citizen_case(number: str, phone: str) -> Incident:
    """A case a citizen may follow: its number and the phone they gave must both match."""
    try:
        phone = parse_phone(phone or "")
    except DomainError:  # a malformed phone gets the same answer as a wrong one
        phone = ""
    incident = (
        Incident.all_objects.select_related("flow", "category")
        .filter(number=(number or "").strip().upper())
        .first()
    )
    if incident is None or not phone or incident.reporter_phone != phone:
        raise DomainError(
            "events.tracking_not_found",
            _("No case matches this number and phone."),
            status=404,
        )
    return incident


@transaction.atomic
def evaluate_as_citizen(
    *, number: str, phone: str, satisfaction: str, comment: str = ""
) -> Incident:
    """A citizen rates their case, proving it is theirs with the phone they reported with."""
    incident = citizen_case(number, phone)
    _evaluate(incident, satisfaction, comment, None, "citizen")
    announce(incident, "evaluate")
    return incident


@transaction.atomic
def confirm_location(
    *, incident: Incident, lng: float, lat: float, by: Any, version: int
) -> Incident:
    """Put a case whose place was unknown (or wrong) on its micro-grid; its desk follows."""
    require(by, Cap.EVENTS_TRIAGE)
    require_desk(incident, by)
    if incident.flow.state not in loop.OPEN_STATES:
        raise Conflict("workflow.closed", _("This case is closed."))
    microgrid = locate_point(lng=lng, lat=lat).microgrid_code
    if microgrid is None:
        raise DomainError(
            "events.outside_area", _("This point lies outside every micro-grid we know.")
        )
    if not is_within(microgrid, by):
        raise DomainError("events.outside_area", _("This point lies outside your area."))
    before = incident.region_id
    flows.record_event(
        flow=incident.flow,
        action="relocate",
        by=by,
        data={"from": before, "to": microgrid, "lng": lng, "lat": lat},
        expected_version=version,
    )
    Flow.all_objects.filter(pk=incident.flow_id).update(region_id=microgrid)
    incident.flow.region_id = microgrid
    incident.region_id, incident.lng, incident.lat = microgrid, lng, lat
    incident.location_confirmed = True
    if incident.level == Incident.Level.COMMUNITY or len(incident.desk_id) > len(microgrid[:12]):
        incident.desk_id = microgrid[:12]
    _save(incident, "region", "lng", "lat", "location_confirmed", "desk")
    announce(incident, "relocate")
    return incident


@transaction.atomic
def supervise(*, incident: Incident, by: Any, note: str) -> Incident:
    """督办: a leader flags the case; the desk and the handler are told."""
    require(by, Cap.EVENTS_SUPERVISE)
    if not is_within(incident.region_id, by):
        raise Forbidden("events.not_your_area", _("This case is outside your area."))
    if incident.flow.state not in loop.OPEN_STATES:
        raise Conflict("workflow.closed", _("This case is closed."))
    note = text(note, field="note", max_length=200)
    incident.supervised, incident.supervision_note = True, note
    _save(incident, "supervised", "supervision_note")
    flows.record_event(flow=incident.flow, action="supervise", by=by, note=note)
    people = desk_staff(incident.desk_id) + _handler_people(incident)
    tell(people, incident, "events.supervised", _("supervised"), note)
    announce(incident, "supervise")
    return incident
