"""Reads of the case engine, limited to the caller's subtree."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import NotFound
from civicgrid.core.scoping import HasRegion, root_code
from civicgrid.workflow.models import Flow, TimelineEntry


def flows_visible_to(who: HasRegion | str) -> QuerySet[Flow]:
    """Flows in the subtree of a user or a region code (the FK holds the code: no join)."""
    return Flow.objects.filter(region__code__startswith=root_code(who))


def flow_for(who: HasRegion | str, pk: int) -> Flow:
    """One flow in the caller's area; 404 for anything outside it or missing."""
    try:
        return flows_visible_to(who).get(pk=pk)
    except Flow.DoesNotExist:
        raise NotFound("workflow.not_found", _("There is no such case in your area.")) from None


def timeline_of(flow: Flow) -> QuerySet[TimelineEntry]:
    """Everything that happened to a flow, oldest first."""
    return TimelineEntry.objects.filter(flow=flow).order_by("at", "id")
