"""Incidents as plain dicts for the API, the pages and Open311: masked, in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from civicgrid.core.identity import mask_phone
from civicgrid.events import loop
from civicgrid.events.models import Incident, Photo, Whistle
from civicgrid.workflow import definitions
from civicgrid.workflow.models import TimelineEntry


def state_label(state: str) -> str:
    return str(definitions.get(loop.NAME).state(state).label)


def step_label(name: str) -> str:
    step = definitions.get(loop.NAME).transition(name)
    return str(step.label) if step is not None else name


def local(value: Any) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def incident_row(incident: Incident) -> dict[str, Any]:
    """What a list shows of a case."""
    flow = incident.flow
    return {
        "number": incident.number,
        "state": flow.state,
        "state_label": state_label(flow.state),
        "version": flow.version,
        "category": incident.category_id,
        "category_name": incident.category.name,
        "priority": incident.priority,
        "description": incident.description,
        "address": incident.address,
        "lng": incident.lng,
        "lat": incident.lat,
        "area": incident.region_id,
        "location_confirmed": incident.location_confirmed,
        "desk": incident.desk_id,
        "level": incident.level,
        "source": incident.source,
        "handler": incident.handler_label,
        "supervised": incident.supervised,
        "overdue": flow.overdue,
        "due_at": local(flow.due_at),
        "reported_at": local(incident.reported_at),
        "closed_at": local(incident.closed_at),
        "satisfaction": incident.satisfaction,
    }


def photo_row(photo: Photo) -> dict[str, Any]:
    return {
        "id": photo.pk,
        "stage": photo.stage,
        "url": f"/api/v1/events/incidents/{photo.incident.number}/photos/{photo.pk}",
        "width": photo.width,
        "height": photo.height,
        "taken_at": local(photo.taken_at),
    }


def _label(choices: type[Any], value: Any) -> str:
    """A stored choice as people read it (the value itself if it is not one of the choices)."""
    return str(choices(value).label) if value in choices.values else str(value or "")


def timeline_row(entry: TimelineEntry) -> dict[str, Any]:
    data = entry.data if isinstance(entry.data, dict) else {}
    inputs = data.get("inputs", {})
    inputs = inputs if isinstance(inputs, dict) else {}
    reason = inputs.get("reason", "")
    if entry.transition == "escalate":
        # An escalation's reason is a code (beyond the community's power, deadline passed …).
        reason = _label(Whistle.Reason, reason)
    return {
        "at": local(entry.at),
        "who": entry.actor_label,
        "kind": entry.kind,
        "action": entry.transition,
        "action_label": step_label(entry.transition) if entry.transition else entry.kind,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "note": entry.note,
        "reason": reason,
        "satisfaction": _label(Incident.Satisfaction, data.get("satisfaction")),
        "data": entry.data,
    }


def incident_detail(incident: Incident, actions: list[str]) -> dict[str, Any]:
    """Everything the case page shows (the reporter's phone masked)."""
    row = incident_row(incident)
    row.update(
        {
            "category_photo_required": incident.category.photo_required,
            "reporter": incident.reporter_name,
            "reporter_phone_masked": mask_phone(incident.reporter_phone)
            if incident.reporter_phone
            else "",
            "responsible_worker": (
                incident.responsible_worker.get_full_name()
                or incident.responsible_worker.get_username()
            )
            if incident.responsible_worker
            else "",
            "merged_into": incident.merged_into.number if incident.merged_into else "",
            "supervision_note": incident.supervision_note,
            "rework_count": incident.rework_count,
            "evaluation_comment": incident.evaluation_comment,
            "photos": [photo_row(p) for p in incident.photos.all()],
            "timeline": [timeline_row(e) for e in incident.flow.timeline.order_by("at", "id")],
            "actions": actions,
        }
    )
    return row


def tracking(incident: Incident) -> dict[str, Any]:
    """What a citizen sees of their case: the steps and public reasons, never staff names or
    internal notes."""
    entries = incident.flow.timeline.filter(kind__in=["created", "transition"]).order_by("at", "id")
    steps = [
        {
            "at": local(e.at),
            "step": step_label(e.transition) if e.transition else e.kind,
            "state": state_label(e.to_state) if e.to_state else "",
            "reason": (e.data.get("inputs") or {}).get("reason", "")
            if e.transition == "reject"
            else "",
        }
        for e in entries
    ]
    return {
        "number": incident.number,
        "state": incident.flow.state,
        "state_label": state_label(incident.flow.state),
        "category_name": incident.category.name,
        "reported_at": local(incident.reported_at),
        "closed_at": local(incident.closed_at),
        "merged_into": incident.merged_into.number if incident.merged_into else "",
        "satisfaction": incident.satisfaction,
        "steps": steps,
    }
