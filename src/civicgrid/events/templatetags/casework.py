"""Template helpers of the desk pages: deadlines as people say them, state and step labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.events import present
from civicgrid.events.models import Incident, Priority

register = template.Library()


def _span(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return _("%(n)d min") % {"n": max(minutes, 1)}
    if minutes < 10 * 60 and minutes % 60:
        return _("%(h)d h %(m)d min") % {"h": minutes // 60, "m": minutes % 60}
    if minutes < 48 * 60:
        return _("%(n)d h") % {"n": minutes // 60}
    return _("%(n)d d") % {"n": minutes // (24 * 60)}


@register.filter
def due(due_at: datetime | None) -> str:
    """'in 3 h' or 'overdue 2 h', counted from now."""
    if due_at is None:
        return ""
    left = (due_at - timezone.now()).total_seconds()
    if left < 0:
        return _("overdue %(span)s") % {"span": _span(left)}
    return _("in %(span)s") % {"span": _span(left)}


@register.filter
def is_late(incident: Incident) -> bool:
    """Overdue by the deadline job's mark or by the clock (the job may not have run yet)."""
    flow = incident.flow
    return bool(flow.overdue or (flow.due_at is not None and flow.due_at < timezone.now()))


@register.filter
def is_emergency(incident: Incident) -> bool:
    return incident.priority == Priority.EMERGENCY


@register.filter
def state_label(state: str) -> str:
    return present.state_label(state) if state else ""


def _event_labels() -> dict[str, str]:
    return {
        "created": _("reported"),
        "comment": _("comment"),
        "evaluate": _("rated"),
        "summon": _("departments summoned"),
        "acknowledge": _("reported for duty"),
        "supervise": _("supervised"),
        "relocate": _("place confirmed"),
        "merged": _("a duplicate was merged in"),
    }


@register.filter
def event_label(code: str) -> str:
    """A timeline event's code (created, summon …) in words; anything else as it is."""
    return _event_labels().get(code, code)


@register.filter
def entry_label(entry: dict[str, Any]) -> str:
    """What a timeline row says happened: the step's label, or the event's."""
    code = entry.get("action") or entry.get("kind") or ""
    return _event_labels().get(code) or str(entry.get("action_label") or code)


@register.filter
def when(value: Any) -> str:
    """A time (or the API's ISO text of one) in the site's zone: 2025-03-01 14:30."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
