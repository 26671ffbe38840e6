"""Whistles (吹哨) and reporting for duty (报到): a case goes up a level, departments come."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.models import Organisation, User
from civicgrid.accounts.roles import Cap
from civicgrid.core.bulk import copy_rows
from civicgrid.core.errors import Conflict, DomainError, Forbidden
from civicgrid.core.permissions import require
from civicgrid.events import loop
from civicgrid.events.models import Incident, Summons, Whistle
from civicgrid.events.services.common import (
    DESK_LENGTH,
    announce,
    announce_many,
    desk_staff,
    desk_staff_many,
    handler_ref,
    message,
    require_desk,
    tell,
    text,
)
from civicgrid.events.services.steps import step
from civicgrid.notifications import services as notifications
from civicgrid.workflow import services as flows

# Departments summoned by a whistle report for duty within this many hours unless told otherwise.
DEFAULT_SUMMONS_HOURS = 2.0


def _actor_label(by: Any) -> str:
    return by.get_username() if by is not None else "system"


@transaction.atomic
def escalate(
    *,
    incident: Incident,
    by: Any,
    version: int,
    reason: str = Whistle.Reason.BEYOND_POWER,
    note: str = "",
    now: datetime | None = None,
) -> Whistle:
    """Send the case one level up (community → town → county) as a whistle."""
    require(by, Cap.EVENTS_TRIAGE)
    require_desk(incident, by)
    if incident.level >= Incident.Level.COUNTY:
        raise Conflict(
            "events.top_level", _("The case is already with the county; it cannot go higher.")
        )
    if reason not in Whistle.Reason.values:
        raise DomainError("events.bad_reason", _("Unknown reason for escalation."))
    note = text(note, field="note", max_length=500, required=reason == Whistle.Reason.BEYOND_POWER)
    now = now or timezone.now()
    level = Incident.Level(incident.level + 1)
    desk = incident.region_id[: DESK_LENGTH[level]]
    step(
        incident,
        "escalate",
        by=by,
        version=version,
        inputs={"reason": reason, "level": int(level), "desk": desk},
        note=note,
        now=now,
    )
    incident.level, incident.desk_id = level, desk
    incident.handler_kind, incident.handler_user, incident.handler_org = "", None, None
    incident.handler_region_id = None
    incident.save(
        update_fields=[
            "level", "desk", "handler_kind", "handler_user", "handler_org", "handler_region"
        ]
    )  # fmt: skip
    whistle = Whistle.objects.create(
        incident=incident,
        level=level,
        desk_id=desk,
        reason=reason,
        note=note,
        raised_by=_actor_label(by),
        raised_at=now,
    )
    tell(desk_staff(desk), incident, "events.whistle", _("whistle: case escalated"), note)
    announce(incident, "escalate")
    return whistle


def escalate_overdue(*, incidents: Sequence[Incident], by: Any, now: datetime) -> list[Incident]:
    """The deadline job's escalation of many overdue cases at once, in a few statements: each
    goes one level up as a whistle (reason: deadline passed), as `escalate` does for one case.

    The caller holds the incidents' rows locked. Cases already with the county, or whose flow
    moved on meanwhile, are left out; the cases escalated are returned.
    """
    targets: dict[int, tuple[Incident, Incident.Level, str]] = {}
    before: dict[int, tuple[str, datetime | None, str]] = {}
    moves = []
    for incident in incidents:
        if incident.level >= Incident.Level.COUNTY:
            continue
        level = Incident.Level(incident.level + 1)
        desk = incident.region_id[: DESK_LENGTH[level]]
        targets[incident.flow_id] = (incident, level, desk)
        before[incident.pk] = (incident.flow.state, incident.flow.due_at, handler_ref(incident))
        inputs = {"reason": Whistle.Reason.OVERDUE, "level": int(level), "desk": desk}
        moves.append((incident.flow, incident.flow.version, inputs))
    moved = flows.transition_many(moves=moves, name="escalate", by=by, now=now)
    done = []
    for flow in moved:
        incident, level, desk = targets[flow.pk]
        incident.level, incident.desk_id = level, desk
        incident.handler_kind, incident.handler_user, incident.handler_org = "", None, None
        incident.handler_region_id = None
        done.append(incident)
    for new_level in {Incident.Level(incident.level) for incident in done}:
        Incident.all_objects.filter(pk__in=[i.pk for i in done if i.level == new_level]).update(
            level=new_level,
            desk_id=Substr("region_id", 1, DESK_LENGTH[new_level]),
            handler_kind="",
            handler_user=None,
            handler_org=None,
            handler_region=None,
        )
    raised_by = _actor_label(by)
    copy_rows(
        Whistle,
        ("incident_id", "level", "desk_id", "reason", "note", "raised_by", "raised_at"),
        [
            (incident.pk, incident.level, incident.desk_id, Whistle.Reason.OVERDUE.value, "",
             raised_by, now)
            for incident in done
        ],
    )  # fmt: skip
    staff = desk_staff_many(incident.desk_id for incident in done)
    title = _("whistle: case escalated")
    notifications.notify_many(
        message(staff[incident.desk_id], incident, "events.whistle", title) for incident in done
    )
    announce_many(done, "escalate", now, before=before)
    return done


def _organisations(incident: Incident, ids: Sequence[int]) -> list[Organisation]:
    orgs = list(Organisation.all_objects.filter(pk__in=list(ids), is_active=True))
    if not ids or len(orgs) != len(set(ids)):
        raise DomainError("events.bad_department", _("Choose departments that exist."))
    for org in orgs:
        if not incident.region_id.startswith(org.region_id):
            raise DomainError(
                "events.bad_department",
                _("%(name)s does not answer for the place of this case.") % {"name": org.name},
            )
    return orgs


@transaction.atomic
def summon(
    *,
    incident: Incident,
    departments: Sequence[int],
    by: Any,
    hours: float = DEFAULT_SUMMONS_HOURS,
    note: str = "",
) -> list[Summons]:
    """Call departments to the case's latest whistle; each must report for duty in time."""
    require(by, Cap.EVENTS_TRIAGE)
    require_desk(incident, by)
    if incident.flow.state not in loop.OPEN_STATES:
        raise Conflict("workflow.closed", _("This case is closed."))
    if not 0 < hours <= 72:
        raise DomainError(
            "events.bad_hours", _("Give the departments between a minute and 72 hours.")
        )
    orgs = _organisations(incident, departments)
    now = timezone.now()
    whistle = incident.whistles.filter(level=incident.level).order_by("-raised_at").first()
    if whistle is None:
        # A desk may whistle for departments without going up a level.
        whistle = Whistle.objects.create(
            incident=incident,
            level=incident.level,
            desk_id=incident.desk_id,
            reason=Whistle.Reason.OPERATOR,
            note=note,
            raised_by=_actor_label(by),
            raised_at=now,
        )
    already = set(whistle.summonses.values_list("organisation_id", flat=True))
    created = Summons.objects.bulk_create(
        Summons(whistle=whistle, organisation=org, due_at=now + timedelta(hours=hours))
        for org in orgs
        if org.pk not in already
    )
    flows.record_event(
        flow=incident.flow,
        action="summon",
        by=by,
        note=note,
        data={"departments": [org.name for org in orgs], "hours": hours},
        now=now,
    )
    members = User.objects.filter(organisation__in=orgs, is_active=True)
    tell(list(members), incident, "events.summoned", _("your department is summoned"), note)
    return created


@transaction.atomic
def acknowledge(*, summons: Summons, by: Any, note: str = "") -> Summons:
    """报到: the department says it is on the case."""
    require(by, Cap.EVENTS_ACKNOWLEDGE)
    if summons.organisation_id != getattr(by, "organisation_id", None):
        raise Forbidden("events.not_your_department", _("This summons is for another department."))
    now = timezone.now()
    done = Summons.objects.filter(pk=summons.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=by.get_username()
    )
    if done != 1:
        raise Conflict("events.already_acknowledged", _("Your department already reported."))
    summons.refresh_from_db()
    incident = summons.whistle.incident
    flows.record_event(
        flow=incident.flow,
        action="acknowledge",
        by=by,
        note=note,
        data={"department": summons.organisation.name, "late": now > summons.due_at},
        now=now,
    )
    return summons
