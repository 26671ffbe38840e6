"""Reads of the incident loop, limited to what the caller may see."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.models import User
from civicgrid.accounts.roles import ORGANISATION_ROLES, Cap, Role
from civicgrid.core.errors import NotFound
from civicgrid.core.scoping import is_within, root_code
from civicgrid.events import loop
from civicgrid.events.models import Category, FieldPosition, Incident, Summons
from civicgrid.events.services.common import is_handler
from civicgrid.regions.models import Region
from civicgrid.workflow import services as flows

# Reports this close in space and time, of one category, are offered as duplicates.
MERGE_RADIUS_M = 300.0
MERGE_WINDOW = timedelta(hours=72)
# A position older than this says little about where a worker is now.
FRESH_POSITION = timedelta(hours=8)
_EARTH_M = 6_371_000.0


def _with_relations(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    return qs.select_related(
        "flow", "category", "region", "desk", "handler_user", "handler_org", "handler_region"
    )


def incidents_visible_to(user: Any) -> QuerySet[Incident]:
    """Cases in the user's area; a department officer sees only what concerns their department."""
    qs = Incident.objects.filter(region__code__startswith=root_code(user))
    if getattr(user, "role", "") in ORGANISATION_ROLES:
        org = getattr(user, "organisation_id", None) or 0
        qs = qs.filter(Q(handler_org_id=org) | Q(whistles__summonses__organisation_id=org))
        qs = qs.distinct()
    return _with_relations(qs)


def incident_for(user: Any, number: str) -> Incident:
    """One case by its number; 404 when it is missing or not the user's to see."""
    incident = incidents_visible_to(user).filter(number=(number or "").upper()).first()
    if incident is None:
        raise NotFound("events.not_found", _("There is no such case in your area."))
    return incident


def filter_incidents(
    qs: QuerySet[Incident],
    *,
    state: str = "",
    category: str = "",
    area: str = "",
    overdue: bool | None = None,
    source: str = "",
    supervised: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    step: str = "",
    department: int | None = None,
) -> QuerySet[Incident]:
    """The case list's filters; `category` may be a class (two digits) or a subclass.

    With `step` (a transition or action on the timeline: register, dispatch, finish, rework,
    close, evaluate …), `since`/`until` select the cases that took that step in the period,
    instead of those reported in it: the cases behind a number of the command centre.
    """
    if state == "open":
        qs = qs.filter(flow__state__in=loop.OPEN_STATES)
    elif state:
        qs = qs.filter(flow__state=state)
    if category:
        qs = qs.filter(category__code__startswith=category)
    if area:
        qs = qs.filter(region__code__startswith=area)
    if overdue is not None:
        qs = qs.filter(flow__overdue=overdue)
    if source:
        qs = qs.filter(source=source)
    if supervised is not None:
        qs = qs.filter(supervised=supervised)
    if department is not None:
        qs = qs.filter(handler_org_id=department)
    if step:
        took: dict[str, Any] = {"flow__timeline__transition": step}
        if since is not None:
            took["flow__timeline__at__gte"] = since
        if until is not None:
            took["flow__timeline__at__lt"] = until
        return qs.filter(**took).distinct()
    if since is not None:
        qs = qs.filter(reported_at__gte=since)
    if until is not None:
        qs = qs.filter(reported_at__lt=until)
    return qs


def my_tasks(user: Any) -> QuerySet[Incident]:
    """What waits for this user, soonest deadline first."""
    mine = Q(handler_user=user, flow__state__in=loop.WITH_HANDLER)
    mine |= Q(reporter=user, flow__state=loop.HANDLED)
    if user.role in ORGANISATION_ROLES:
        mine = Q(handler_org_id=user.organisation_id or 0, flow__state__in=loop.WITH_HANDLER)
    elif user.role in (Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.COUNTY_OPERATOR):
        desk = user.region_code
        mine |= Q(desk_id=desk, flow__state__in=(loop.REPORTED, loop.REGISTERED, loop.HANDLED))
        mine |= Q(handler_region_id=desk, flow__state__in=loop.WITH_HANDLER)
    qs = Incident.objects.filter(region__code__startswith=root_code(user)).filter(mine)
    return _with_relations(qs).order_by("flow__due_at", "reported_at")


def pending_summonses(user: Any) -> QuerySet[Summons]:
    """Whistles the user's department must still report for duty to."""
    return (
        Summons.objects.filter(
            organisation_id=getattr(user, "organisation_id", None) or 0,
            acknowledged_at__isnull=True,
        )
        .select_related("whistle__incident", "organisation")
        .order_by("due_at")
    )


def timeline(incident: Incident) -> QuerySet[Any]:
    return incident.flow.timeline.order_by("at", "id")


def distance_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_M * math.asin(min(1.0, math.sqrt(a)))


def _box(lng: float, lat: float, metres: float) -> dict[str, float]:
    dlat = metres / 111_320.0
    dlng = metres / (111_320.0 * max(0.01, math.cos(math.radians(lat))))
    return {
        "lat__gte": lat - dlat,
        "lat__lte": lat + dlat,
        "lng__gte": lng - dlng,
        "lng__lte": lng + dlng,
    }


@dataclass(frozen=True)
class Candidate:
    incident: Incident
    distance_m: float


def merge_candidates(incident: Incident, user: Any) -> list[Candidate]:
    """Open reports of the same category nearby and close in time: likely the same incident."""
    if incident.lng is None or incident.lat is None:
        return []
    window = (incident.reported_at - MERGE_WINDOW, incident.reported_at + MERGE_WINDOW)
    nearby = (
        incidents_visible_to(user)
        .filter(
            category_id=incident.category_id,
            flow__state__in=loop.OPEN_STATES,
            reported_at__range=window,
            **_box(incident.lng, incident.lat, MERGE_RADIUS_M),
        )
        .exclude(pk=incident.pk)
    )
    found = [
        Candidate(other, distance_m(incident.lng, incident.lat, other.lng, other.lat))
        for other in nearby[:50]
        if other.lng is not None and other.lat is not None
    ]
    return sorted((c for c in found if c.distance_m <= MERGE_RADIUS_M), key=lambda c: c.distance_m)


@dataclass(frozen=True)
class Suggestion:
    worker: User
    distance_m: float | None
    open_orders: int
    from_position: bool


def nearest_workers(incident: Incident, limit: int = 5) -> list[Suggestion]:
    """Grid workers under the case's desk, nearest first: from their last known position when
    it is fresh, else from the centre of their grid; fewer open orders break ties."""
    workers = list(
        User.objects.filter(
            role=Role.GRID_WORKER, is_active=True, region__code__startswith=incident.desk_id
        ).order_by("pk")[:500]
    )
    return _rank(incident, workers, limit)


def _rank(incident: Incident, workers: list[User], limit: int) -> list[Suggestion]:
    now = timezone.now()
    positions = {
        p.user_id: p
        for p in FieldPosition.objects.filter(user__in=workers, at__gte=now - FRESH_POSITION)
    }
    centres: dict[str, tuple[float, float]] = {
        code: (lng, lat)
        for code, lng, lat in Region.all_objects.filter(
            code__in={w.region_code for w in workers}, centroid_lng__isnull=False
        ).values_list("code", "centroid_lng", "centroid_lat")
        if lng is not None and lat is not None
    }
    load = dict(
        Incident.all_objects.filter(handler_user__in=workers, flow__state__in=loop.WITH_HANDLER)
        .values_list("handler_user")
        .annotate(n=Count("pk"))
    )
    out = []
    for worker in workers:
        distance = None
        position = positions.get(worker.pk)
        if incident.lng is not None and incident.lat is not None:
            if position is not None:
                distance = distance_m(incident.lng, incident.lat, position.lng, position.lat)
            elif worker.region_code in centres:
                distance = distance_m(incident.lng, incident.lat, *centres[worker.region_code])
        out.append(Suggestion(worker, distance, load.get(worker.pk, 0), position is not None))
    out.sort(key=lambda s: (s.distance_m is None, s.distance_m or 0.0, s.open_orders))
    return out[:limit]


def categories_for_reporting() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True, parent__isnull=False).select_related("parent")


def reports_by(user: Any) -> QuerySet[Incident]:
    """The user's own reports, newest first, wherever they were made.

    Deliberately not limited to the user's area: anyone may report what they see anywhere, and
    a report the locator could not place waits at the town centre, outside a grid worker's
    subtree. Only the reporter's own rows are read, so nobody sees a case they did not report.
    """
    return (
        Incident.all_objects.filter(reporter_id=getattr(user, "pk", None) or 0)
        .select_related("flow", "category", "region", "responsible_worker")
        .order_by("-reported_at", "-pk")
    )


def actions_for(incident: Incident, user: Any) -> list[str]:
    """What a page or client may offer this user on this case now (the services decide)."""
    offered = [t.name for t in flows.available_transitions(incident.flow, user)]
    desk = is_within(incident.desk_id, user)
    handler = is_handler(incident, user)
    checks = {
        **dict.fromkeys(("register", "reject", "merge", "dispatch", "escalate"), desk),
        **dict.fromkeys(("return", "accept", "finish"), handler),
        **dict.fromkeys(("close", "rework"), not handler and is_within(incident.region_id, user)),
    }
    actions = [name for name in offered if checks.get(name, False)]
    is_open = incident.flow.state in loop.OPEN_STATES
    if is_open:
        if desk and user.can(Cap.EVENTS_TRIAGE):
            actions += ["summon", "relocate"]
        if user.can(Cap.EVENTS_SUPERVISE) and not incident.supervised:
            actions.append("supervise")
    if (
        incident.flow.state == loop.CLOSED
        and not incident.satisfaction
        and incident.reporter_id == user.pk
    ):
        actions.append("evaluate")
    if user.can(Cap.EVENTS_VIEW):
        actions.append("comment")
    return actions
