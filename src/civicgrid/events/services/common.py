"""What every incident write shares: the case lookup by version, the checks on who acts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.models import User
from civicgrid.accounts.roles import Role
from civicgrid.core.errors import DomainError, Forbidden
from civicgrid.core.scoping import is_within
from civicgrid.core.text import refuse_control_characters
from civicgrid.events import signals
from civicgrid.events.models import Incident
from civicgrid.notifications import services as notifications

# The desk that owns each escalation level: the community, the town, the county.
DESK_LENGTH = {
    Incident.Level.COMMUNITY: 12,
    Incident.Level.TOWN: 9,
    Incident.Level.COUNTY: 6,
}
LEVEL_OF_LENGTH = {length: level for level, length in DESK_LENGTH.items()}


def require_desk(incident: Incident, by: Any) -> None:
    """Triage is the desk's work: the desk's own staff, or anyone above it."""
    if not is_within(incident.desk_id, by):
        raise Forbidden(
            "events.not_your_desk",
            _("This case is with %(desk)s; only that desk or a higher one may do this.")
            % {"desk": incident.desk.name},
        )


def is_handler(incident: Incident, by: Any) -> bool:
    if getattr(by, "is_system", False):
        return True
    kind = incident.handler_kind
    if kind == Incident.HandlerKind.WORKER:
        return incident.handler_user_id == getattr(by, "pk", None)
    if kind == Incident.HandlerKind.DEPARTMENT:
        return incident.handler_org_id is not None and (
            incident.handler_org_id == getattr(by, "organisation_id", None)
        )
    if kind == Incident.HandlerKind.COMMUNITY and incident.handler_region_id:
        # The community's own people, not the desks above it.
        return str(getattr(by, "region_code", "")).startswith(incident.handler_region_id)
    return False


def require_handler(incident: Incident, by: Any) -> None:
    if not is_handler(incident, by):
        raise Forbidden(
            "events.not_your_order",
            _("This order was dispatched to %(handler)s, not to you.")
            % {"handler": incident.handler_label},
        )


def require_verifier(incident: Incident, by: Any) -> None:
    """The reporter's side checks the work: never the handler themself."""
    if not getattr(by, "is_system", False) and is_handler(incident, by):
        raise Forbidden(
            "events.cannot_verify_own_work",
            _("Whoever handled the case cannot verify it; the reporter's side does."),
        )
    if not (is_within(incident.region_id, by) or is_within(incident.desk_id, by)):
        raise Forbidden("events.not_your_area", _("Only the reporter's area can verify this case."))


def announce(incident: Incident, action: str, at: datetime | None = None) -> None:
    """Tell listeners (events.signals.case_changed) inside the change's transaction, once every
    field the change touches is saved: the last line of each service."""
    signals.case_changed.send(
        sender=Incident, incident=incident, action=action, at=at or timezone.now()
    )


def announce_many(incidents: list[Incident], action: str, at: datetime, **details: Any) -> None:
    """`announce` for many cases changed by one action in one transaction."""
    if incidents:
        signals.cases_changed.send(
            sender=Incident, incidents=incidents, action=action, at=at, **details
        )


def handler_ref(incident: Incident) -> str:
    """Who an order is with, as the dispatch step records it ("worker:12", "department:3")."""
    refs: dict[str, int | str | None] = {
        Incident.HandlerKind.WORKER: incident.handler_user_id,
        Incident.HandlerKind.DEPARTMENT: incident.handler_org_id,
        Incident.HandlerKind.COMMUNITY: incident.handler_region_id,
    }
    ref = refs.get(incident.handler_kind)
    return f"{incident.handler_kind}:{ref}" if ref is not None else ""


def text(value: str | None, *, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    refuse_control_characters(value, code="events.bad_characters", field=field)
    if required and not value:
        raise DomainError(
            "events.missing_field", _("%(field)s is required.") % {"field": field}, field=field
        )
    if len(value) > max_length:
        raise DomainError(
            "events.too_long",
            _("%(field)s is longer than %(max)d characters.") % {"field": field, "max": max_length},
            field=field,
            max_length=max_length,
        )
    return value


# Who works at a desk, by the length of its code: community staff, town or county operators.
_DESK_ROLES = {12: Role.COMMUNITY_STAFF, 9: Role.TOWN_OPERATOR, 6: Role.COUNTY_OPERATOR}


def desk_staff(desk_code: str) -> list[Any]:
    """The people working at a desk: community staff or the town/county operators there."""
    role = _DESK_ROLES.get(len(desk_code), Role.COUNTY_OPERATOR)
    return list(User.objects.filter(region_id=desk_code, role=role, is_active=True))


def desk_staff_many(desk_codes: Iterable[str]) -> dict[str, list[Any]]:
    """`desk_staff` for many desks in one query (the deadline job's batches)."""
    codes = set(desk_codes)
    staff: dict[str, list[Any]] = {code: [] for code in codes}
    found = User.objects.filter(region_id__in=codes, role__in=set(_DESK_ROLES.values()))
    for user in found.filter(is_active=True):
        code = user.region_id or ""
        if _DESK_ROLES.get(len(code), Role.COUNTY_OPERATOR) == user.role:
            staff[code].append(user)
    return staff


def message(
    users: list[Any],
    incident: Incident,
    code: str,
    title: notifications.Text,
    body: notifications.Text = "",
) -> notifications.Message:
    """What `tell` says, for `notifications.notify_many` (many cases in one INSERT)."""
    return notifications.Message(
        users=users,
        code=code,
        title=format_lazy("{} {}", incident.number, title),
        body=body,
        link=f"/events/{incident.number}/",
    )


def tell(
    users: list[Any],
    incident: Incident,
    code: str,
    title: notifications.Text,
    body: notifications.Text = "",
) -> None:
    notifications.notify_many([message(users, incident, code, title, body)])
