"""The periodic deadline job: mark overdue, warn before, escalate after, chase departments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.accounts.models import User
from civicgrid.core.actor import SYSTEM
from civicgrid.core.errors import DomainError
from civicgrid.events import loop
from civicgrid.events.models import Incident, Summons, Whistle
from civicgrid.events.services.common import desk_staff, tell
from civicgrid.events.services.escalation import escalate
from civicgrid.events.services.steps import _handler_people
from civicgrid.workflow import services as flows

# Cases handled per batch: escalations are few, but a backlog after downtime must not stall.
BATCH = 500


@dataclass(frozen=True)
class DeadlineReport:
    marked_overdue: int
    warned: int
    escalated: int
    overdue_notified: int
    summonses_overdue: int


def _who_acts(incident: Incident) -> list[object]:
    """Whoever the current stage waits for: the handler while it is with them, else the desk."""
    if incident.flow.state in loop.WITH_HANDLER:
        return _handler_people(incident)
    if incident.flow.state == loop.HANDLED and incident.reporter is not None:
        return [incident.reporter]
    return desk_staff(incident.desk_id)


def _open_incidents() -> QuerySet[Incident]:
    return Incident.all_objects.select_related("flow", "handler_user", "reporter").filter(
        flow__workflow=loop.NAME, flow__state__in=loop.OPEN_STATES
    )


def _warn(now: datetime) -> int:
    due_soon = (
        _open_incidents()
        .filter(flow__overdue=False, flow__due_soon_at__lte=now)
        .exclude(warned_for_stage=F("flow__stage_started_at"))
    )
    count = 0
    for incident in due_soon[:BATCH]:
        if _claim(incident, "warned_for_stage"):
            tell(_who_acts(incident), incident, "events.due_soon", _("due soon"))
            count += 1
    return count


def _claim(incident: Incident, field: str) -> bool:
    """Compare-and-set on the stage marker: of two jobs running at once, one tells people."""
    stage = incident.flow.stage_started_at
    claimed = (
        Incident.all_objects.filter(pk=incident.pk)
        .exclude(**{field: stage})
        .update(**{field: stage})
    )
    return claimed == 1


def _act_on_overdue(now: datetime) -> tuple[int, int]:
    overdue = (
        _open_incidents()
        .filter(flow__overdue=True)
        .exclude(overdue_for_stage=F("flow__stage_started_at"))
    )
    escalated = notified = 0
    auto = getattr(settings, "EVENTS_AUTO_ESCALATE", True)
    for incident in overdue[:BATCH]:
        if (
            auto
            and incident.flow.state in loop.ESCALABLE
            and incident.level < Incident.Level.COUNTY
        ):
            try:
                with transaction.atomic():
                    escalate(
                        incident=incident,
                        by=SYSTEM,
                        version=incident.flow.version,
                        reason=Whistle.Reason.OVERDUE,
                        now=now,
                    )
                escalated += 1
                continue
            except DomainError:
                # Someone changed the case meanwhile; the next run sees it as it is now.
                continue
        if _claim(incident, "overdue_for_stage"):
            tell(_who_acts(incident), incident, "events.overdue", _("overdue"))
            notified += 1
    return escalated, notified


def _chase_summonses(now: datetime) -> int:
    late = list(
        Summons.objects.select_related("whistle__incident", "organisation").filter(
            acknowledged_at__isnull=True, overdue=False, due_at__lte=now
        )[:BATCH]
    )
    chased = 0
    for summons in late:
        if Summons.objects.filter(pk=summons.pk, overdue=False).update(overdue=True) != 1:
            continue
        chased += 1
        incident = summons.whistle.incident
        members = User.objects.filter(organisation=summons.organisation, is_active=True)
        tell(
            [*members, *desk_staff(summons.whistle.desk_id)],
            incident,
            "events.summons_overdue",
            _("%(department)s has not reported for duty") % {"department": summons.organisation},
        )
    return chased


def run_deadlines(*, now: datetime | None = None) -> DeadlineReport:
    """One pass of the deadline job; safe to run as often as wanted, and in parallel."""
    now = now or timezone.now()
    swept = flows.sweep_deadlines(now=now)
    warned = _warn(now)
    escalated, notified = _act_on_overdue(now)
    return DeadlineReport(
        marked_overdue=swept.marked_overdue,
        warned=warned,
        escalated=escalated,
        overdue_notified=notified,
        summonses_overdue=_chase_summonses(now),
    )
