"""Merging duplicate reports: several reports of one incident become one case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.core.errors import Conflict, DomainError
from civicgrid.core.permissions import require
from civicgrid.events import loop
from civicgrid.events.models import Incident
from civicgrid.events.services.common import announce, require_desk, tell
from civicgrid.events.services.steps import step
from civicgrid.notifications import services as notifications
from civicgrid.workflow import services as flows


@transaction.atomic
def merge(
    *, incident: Incident, into: Incident, by: Any, version: int, now: datetime | None = None
) -> Incident:
    """Close `incident` as a duplicate of `into`; the reporter follows the surviving case."""
    require(by, Cap.EVENTS_TRIAGE)
    require_desk(incident, by)
    require_desk(into, by)
    if into.pk == incident.pk:
        raise DomainError("events.merge_into_itself", _("A case cannot be merged into itself."))
    if into.flow.state not in loop.OPEN_STATES:
        raise Conflict("events.merge_target_closed", _("The case to merge into is closed."))
    if into.category_id != incident.category_id:
        raise DomainError(
            "events.merge_other_category", _("Only reports of the same category can be merged.")
        )
    now = now or timezone.now()
    step(incident, "merge", by=by, version=version, inputs={"into": into.number}, now=now)
    incident.merged_into, incident.closed_at = into, now
    incident.save(update_fields=["merged_into", "closed_at"])
    flows.record_event(
        flow=into.flow, action="merged", by=by, data={"from": incident.number}, now=now
    )
    if incident.reporter is not None:
        tell(
            [incident.reporter],
            incident,
            "events.merged",
            notifications.later(_("merged into %(number)s"), number=into.number),
        )
    announce(incident, "merge", now)
    return incident
