"""What every dispute write shares: text checks, case numbers, who may act, who is told, and
putting a grade on a dispute."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.models import User
from civicgrid.accounts.roles import Cap, Role
from civicgrid.core.actor import current_actor
from civicgrid.core.errors import DomainError, Forbidden
from civicgrid.core.text import refuse_control_characters
from civicgrid.disputes import rules
from civicgrid.disputes.models import Colour, Dispute, GradeChange
from civicgrid.notifications import services as notifications

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Who works at the desk of a region, by the length of its code.
_DESK_ROLES = {12: Role.COMMUNITY_STAFF, 9: Role.TOWN_OPERATOR, 6: Role.COUNTY_OPERATOR}


def text(value: str | None, *, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    refuse_control_characters(value, code="disputes.bad_characters", field=field)
    if required and not value:
        raise DomainError(
            "disputes.missing_field", _("%(field)s is required.") % {"field": field}, field=field
        )
    if len(value) > max_length:
        raise DomainError(
            "disputes.too_long",
            _("%(field)s is longer than %(max)d characters.") % {"field": field, "max": max_length},
            field=field,
        )
    return value


def new_number(now: datetime) -> str:
    """D, the date, then six characters easy to read out over the phone."""
    local = timezone.localtime(now)
    return "D" + f"{local:%y%m%d}" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


# --- who may act -----------------------------------------------------------------------------


def is_own_mediator(dispute: Dispute, by: Any) -> bool:
    """A mediator of the organisation the dispute is routed to (or the platform itself)."""
    if getattr(by, "is_system", False):
        return True
    return (
        getattr(by, "role", "") == Role.MEDIATOR
        and dispute.organisation_id is not None
        and getattr(by, "organisation_id", None) == dispute.organisation_id
    )


def require_desk_or_mediator(dispute: Dispute, by: Any) -> None:
    """The desks of the area (who route) or the organisation's own mediators."""
    if getattr(by, "can", lambda _c: False)(Cap.DISPUTES_ROUTE) or is_own_mediator(dispute, by):
        return
    raise Forbidden(
        "disputes.not_your_case",
        _("Only the desk of the area or the mediators of %(org)s may do this.")
        % {"org": dispute.organisation.name if dispute.organisation else _("its organisation")},
    )


def require_mediator(dispute: Dispute, by: Any) -> None:
    """Mediating is the work of the organisation the dispute was routed to."""
    if not is_own_mediator(dispute, by):
        raise Forbidden(
            "disputes.not_your_case",
            _("Only the mediators of the organisation handling this dispute may do this."),
        )


# --- who is told -----------------------------------------------------------------------------


def desk_people(codes: Iterable[str]) -> list[User]:
    """The staff at the desks of these region codes (community staff, town/county operators)."""
    wanted = Q()
    for code in set(codes):
        role = _DESK_ROLES.get(len(code))
        if role is not None:
            wanted |= Q(region_id=code, role=role)
    if not wanted:
        return []
    return list(User.objects.filter(wanted, is_active=True))


def organisation_people(organisation_id: int | None) -> list[User]:
    if organisation_id is None:
        return []
    return list(User.objects.filter(organisation_id=organisation_id, is_active=True))


def tell(
    users: Sequence[Any],
    dispute: Dispute,
    code: str,
    title: notifications.Text,
    body: notifications.Text = "",
) -> None:
    notifications.notify(
        users=users,
        code=code,
        title=format_lazy("{} {}", dispute.number, title),
        body=body,
        link=f"/disputes/{dispute.number}/",
    )


# --- grades ----------------------------------------------------------------------------------


def facts_of(dispute: Dispute, now: datetime | None = None) -> dict[str, float | int | bool]:
    """The facts the rules read; days open counts until the dispute was resolved or ended."""
    end = dispute.resolved_at or dispute.closed_at or now or timezone.now()
    return {
        "people_involved": dispute.people_involved,
        "amount": float(dispute.amount),
        "repeat_petitions": dispute.repeat_petitions,
        "days_open": max(0, (end - dispute.received_at).days),
        "threat_violence": dispute.threat_violence,
        "threat_self_harm": dispute.threat_self_harm,
        "group_incident": dispute.group_incident,
        "vulnerable_party": dispute.vulnerable_party,
    }


def apply_grade(
    dispute: Dispute, *, cause: str, by: Any, now: datetime
) -> tuple[GradeChange | None, rules.Grade]:
    """Grade the dispute from its facts and set what the grade sets (level, deadline,
    follow-ups); keep a GradeChange when the colour changes. The caller saves the dispute."""
    active = rules.active()
    grade = rules.grade(facts_of(dispute, now), active.rules)
    before = dispute.colour
    dispute.colour_reasons = grade.reasons
    if grade.colour == before:
        return None, grade
    settings = grade.settings
    if before and settings.level > dispute.level:
        dispute.escalations += 1
    dispute.colour = grade.colour
    dispute.level = settings.level
    dispute.due_at = dispute.received_at + timedelta(days=settings.days)
    dispute.follow_up_days = settings.follow_up_days
    dispute.follow_ups_required = settings.follow_ups
    actor = current_actor()
    user = by if by is not None else actor.user
    change = GradeChange(
        dispute=dispute,
        at=now,
        from_colour=before,
        to_colour=grade.colour,
        reasons=grade.reasons,
        facts=facts_of(dispute, now),
        cause=cause[:200],
        rule_set_id=active.rule_set_id,
        by_label=(user.get_username() if user is not None else actor.label)[:150],
    )
    return change, grade


def announce_grade(dispute: Dispute, grade: rules.Grade) -> None:
    """Tell the desks the colour names; red is an alert to the town and county at once."""
    settings = grade.settings
    codes = [dispute.region_id[:length] for length in settings.notify]
    if settings.alert:
        codes += [dispute.region_id[:9], dispute.region_id[:6]]
    people = desk_people(codes) + organisation_people(dispute.organisation_id)
    reasons = "；".join(r["label"] for r in grade.reasons)
    if settings.alert:
        tell(people, dispute, "disputes.red_alert", _("red alert"), reasons)
    elif settings.notify:
        tell(people, dispute, "disputes.graded", Colour(grade.colour).label, reasons)
