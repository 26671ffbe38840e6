"""One map: cases, grid workers' last positions and emergency resources in a view box, with
cases clustered on the server so that any view of any area answers in a bounded payload.

Clustering is a grid aggregation in the database: the view box is cut into cells about
CELL_PX screen pixels wide at the requested zoom (snapped to a world-wide grid, so clusters do
not jump while panning), and each cell reports its count, its points' mean position and a
breakdown by state. There are never more than MAX_CELLS cells (bigger boxes get bigger cells),
and individual points are sent only when the box holds few enough of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Avg, Count, F, FloatField, Min, Q, QuerySet, Value
from django.db.models.functions import Floor
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import ORGANISATION_ROLES, Cap, Role
from civicgrid.core.errors import DomainError
from civicgrid.core.scoping import root_code
from civicgrid.events import loop
from civicgrid.events.models import FieldPosition, Incident, Priority, Summons
from civicgrid.events.selectors import FRESH_POSITION
from civicgrid.resources import selectors as resources
from civicgrid.resources.models import Kind

MAX_ZOOM = 22
CELL_PX = 64
MAX_CELLS = 1024
# Individual points: from this zoom when the box holds at most MAX_POINTS, at any zoom when it
# holds no more than FEW_POINTS.
POINTS_ZOOM = 15
MAX_POINTS = 2000
FEW_POINTS = 300
MAX_WORKERS = 500
MAX_RESOURCES = 1000
# Closed, rejected and merged cases pile up for ever: the map shows the recent ones only.
TERMINAL_DAYS = 7
POSITION_DAYS = 1
LAYERS = ("cases", "workers", "resources")


def _bad(code: str, message: Any, **details: Any) -> DomainError:
    return DomainError(code, message, status=400, **details)


@dataclass(frozen=True)
class View:
    west: float
    south: float
    east: float
    north: float
    zoom: int

    @property
    def box(self) -> dict[str, float]:
        return {
            "lng__gte": self.west,
            "lng__lte": self.east,
            "lat__gte": self.south,
            "lat__lte": self.north,
        }

    def cell(self) -> tuple[float, float]:
        """Cell width and height in degrees: CELL_PX pixels at this zoom (square on a Web
        Mercator screen), grown until the box touches at most MAX_CELLS cells."""
        width = CELL_PX * 360.0 / (256 * 2**self.zoom)
        mid = math.radians((self.south + self.north) / 2)
        height = width * max(math.cos(mid), 0.01)
        while True:
            # Rounded so the world-wide grid stays the same from one request to the next.
            width, height = float(f"{width:.6g}"), float(f"{height:.6g}")
            cells = self.cells_touched(width, height)
            if cells <= MAX_CELLS:
                return width, height
            grow = max(1.05, math.sqrt(cells / MAX_CELLS) * 1.01)
            width, height = width * grow, height * grow

    def cells_touched(self, width: float, height: float) -> int:
        """How many cells of the world-wide grid the box touches."""
        columns = math.floor(self.east / width) - math.floor(self.west / width) + 1
        rows = math.floor(self.north / height) - math.floor(self.south / height) + 1
        return columns * rows


def parse_view(bbox: str, zoom: str | int) -> View:
    """`bbox` is "west,south,east,north" in WGS-84 degrees; `zoom` a whole number 0–22."""
    parts = (bbox or "").split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise _bad(
            "command.map.bad_bbox",
            _("The view box must be four numbers: west,south,east,north."),
        ) from None
    finite = all(math.isfinite(v) for v in (west, south, east, north))
    if not finite or not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise _bad(
            "command.map.bad_bbox",
            _("The view box must have west < east within ±180 and south < north within ±90."),
        )
    text = str(zoom).strip()
    if not text.isdigit() or int(text) > MAX_ZOOM:
        raise _bad(
            "command.map.bad_zoom",
            _("The zoom must be a whole number from 0 to %(max)d.") % {"max": MAX_ZOOM},
        )
    return View(west, south, east, north, int(text))


@dataclass(frozen=True)
class Filters:
    state: str = "open"
    category: str = ""
    emergency: bool = False
    overdue: bool = False
    kinds: tuple[str, ...] = ()
    layers: tuple[str, ...] = LAYERS


STATES = ("open", *loop.OPEN_STATES, loop.CLOSED, loop.REJECTED, loop.MERGED)


def parse_filters(
    *, state: str = "open", category: str = "", emergency: bool = False,
    overdue: bool = False, kinds: str = "", layers: str = "",
) -> Filters:  # fmt: skip
    state = state or "open"
    if state not in STATES:
        raise _bad(
            "command.map.bad_state",
            _("Unknown state; choose one of: %(states)s.") % {"states": ", ".join(STATES)},
        )
    if category and not (category.isdigit() and len(category) in (2, 4)):
        raise _bad("command.map.bad_category", _("A category is a 2- or 4-digit code."))
    wanted = tuple(k for k in (kinds or "").split(",") if k)
    if any(k not in Kind.values for k in wanted):
        raise _bad("resources.unknown_kind", _("Unknown type of resource."))
    chosen = tuple(x for x in (layers or ",".join(LAYERS)).split(",") if x)
    if any(x not in LAYERS for x in chosen):
        raise _bad(
            "command.map.bad_layer",
            _("Unknown layer; choose from: %(layers)s.") % {"layers": ", ".join(LAYERS)},
        )
    return Filters(state, category, emergency, overdue, wanted, chosen)


# --- cases ------------------------------------------------------------------------------------


def map_incidents(user: Any) -> QuerySet[Incident]:
    """The cases the user may see (as events.selectors.incidents_visible_to decides), in a form
    that aggregates: no joins that repeat rows, no select_related."""
    qs = Incident.objects.filter(region__code__startswith=root_code(user))
    if getattr(user, "role", "") in ORGANISATION_ROLES:
        org = getattr(user, "organisation_id", None) or 0
        summoned = Summons.objects.filter(organisation_id=org).values("whistle__incident_id")
        qs = qs.filter(Q(handler_org_id=org) | Q(pk__in=summoned))
    return qs


def _filtered(qs: QuerySet[Incident], f: Filters, now: datetime) -> QuerySet[Incident]:
    if f.state == "open":
        qs = qs.filter(flow__state__in=loop.OPEN_STATES)
    else:
        qs = qs.filter(flow__state=f.state)
        if f.state not in loop.OPEN_STATES:
            qs = qs.filter(reported_at__gte=now - timedelta(days=TERMINAL_DAYS))
    if f.category:
        qs = qs.filter(category__code__startswith=f.category)
    if f.emergency:
        qs = qs.filter(priority=Priority.EMERGENCY)
    if f.overdue:
        qs = qs.filter(flow__overdue=True)
    return qs


def _r(value: float | None, digits: int = 6) -> float | None:
    return round(value, digits) if value is not None else None


def clusters(qs: QuerySet[Incident], view: View) -> tuple[list[dict[str, Any]], list[float]]:
    """Cells of the view box with their counts, mean point and state breakdown."""
    width, height = view.cell()
    rows = (
        qs.filter(**view.box)
        .annotate(
            cx=Floor(F("lng") / Value(width, output_field=FloatField())),
            cy=Floor(F("lat") / Value(height, output_field=FloatField())),
        )
        .values("cx", "cy", "flow__state")
        .annotate(
            n=Count("id"),
            lng_mean=Avg("lng"),
            lat_mean=Avg("lat"),
            # The lowest id, not number: comparing integers is far cheaper than text.
            first=Min("id"),
            emergencies=Count("id", filter=Q(priority=Priority.EMERGENCY)),
            late=Count("id", filter=Q(flow__overdue=True)),
        )
        .order_by()
    )
    cells: dict[tuple[int, int], dict[str, Any]] = {}
    for row in _aggregate(rows):
        key = (int(row["cx"]), int(row["cy"]))
        cell = cells.setdefault(
            key,
            {"count": 0, "lng": 0.0, "lat": 0.0, "states": {}, "emergency": 0, "overdue": 0,
             "number": None},
        )  # fmt: skip
        n = row["n"]
        cell["lng"] += row["lng_mean"] * n
        cell["lat"] += row["lat_mean"] * n
        cell["count"] += n
        cell["states"][row["flow__state"]] = n
        cell["emergency"] += row["emergencies"]
        cell["overdue"] += row["late"]
        cell["number"] = row["first"]
    lone = {c["number"] for c in cells.values() if c["count"] == 1}
    numbers = dict(Incident.all_objects.filter(pk__in=lone).values_list("pk", "number"))
    out = []
    for cell in cells.values():
        n = cell["count"]
        cell["lng"], cell["lat"] = _r(cell["lng"] / n), _r(cell["lat"] / n)
        # A lone case can be opened straight from its cluster.
        cell["number"] = numbers.get(cell["number"]) if n == 1 else None
        out.append(cell)
    out.sort(key=lambda c: (-c["count"], c["lng"], c["lat"]))
    return out, [width, height]


def _aggregate(rows: QuerySet[Any]) -> list[dict[str, Any]]:
    """Run the grouping query. PostgreSQL cannot estimate how few cells there are and plans a
    sort of every row (spilling to disk at the default work_mem); a little more memory for this
    one statement lets it hash them instead."""
    if connection.vendor != "postgresql":
        return list(rows)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '32MB'")
        return list(rows)


def points(qs: QuerySet[Incident], view: View, limit: int) -> list[dict[str, Any]]:
    rows = (
        qs.filter(**view.box)
        .order_by("-priority", "-reported_at", "-id")
        .values(
            "number", "lng", "lat", "flow__state", "category_id", "priority", "flow__overdue",
        )[:limit]
    )  # fmt: skip
    return [
        {
            "number": r["number"],
            "lng": _r(r["lng"]),
            "lat": _r(r["lat"]),
            "state": r["flow__state"],
            "category": r["category_id"],
            "priority": r["priority"],
            "overdue": r["flow__overdue"],
        }
        for r in rows
    ]


def cases_layer(user: Any, view: View, f: Filters, now: datetime) -> dict[str, Any]:
    qs = _filtered(map_incidents(user), f, now)
    cells, cell = clusters(qs, view)
    total = sum(c["count"] for c in cells)
    if total <= FEW_POINTS or (view.zoom >= POINTS_ZOOM and total <= MAX_POINTS):
        return {"mode": "points", "total": total, "cell": None, "clusters": [],
                "points": points(qs, view, MAX_POINTS)}  # fmt: skip
    return {"mode": "clusters", "total": total, "cell": cell, "clusters": cells, "points": []}


# --- grid workers and resources ---------------------------------------------------------------


def workers_layer(user: Any, view: View, now: datetime) -> dict[str, Any]:
    """Last known positions of the area's grid workers and liaisons (a day at most)."""
    rows = list(
        FieldPosition.objects.filter(
            user__region__code__startswith=root_code(user),
            user__role__in=(Role.GRID_WORKER, Role.LIAISON),
            user__is_active=True,
            at__gte=now - timedelta(days=POSITION_DAYS),
            **view.box,
        )
        .order_by("-at")
        .values(
            "user_id", "user__first_name", "user__last_name", "user__username", "user__role",
            "user__region_id", "lng", "lat", "at",
        )[: MAX_WORKERS + 1]
    )  # fmt: skip
    return {
        "truncated": len(rows) > MAX_WORKERS,
        "items": [
            {
                "id": r["user_id"],
                # As User.get_full_name() puts it, else the user name.
                "name": f"{r['user__first_name']} {r['user__last_name']}".strip()
                or r["user__username"],
                "role": r["user__role"],
                "grid": r["user__region_id"] or "",
                "lng": _r(r["lng"]),
                "lat": _r(r["lat"]),
                "at": timezone.localtime(r["at"]).isoformat(),
                "fresh": r["at"] >= now - FRESH_POSITION,
            }
            for r in rows[:MAX_WORKERS]
        ],
    }


def resources_layer(user: Any, view: View, f: Filters) -> dict[str, Any]:
    qs = resources.in_box(resources.resources_visible_to(user), *_corners(view))
    if f.kinds:
        qs = qs.filter(kind__in=f.kinds)
    rows = list(
        qs.order_by("kind", "id").values(
            "id", "kind", "name", "lng", "lat", "capacity", "capacity_unit"
        )[: MAX_RESOURCES + 1]
    )
    for row in rows:
        row["lng"], row["lat"] = _r(row["lng"]), _r(row["lat"])
    return {"truncated": len(rows) > MAX_RESOURCES, "items": rows[:MAX_RESOURCES]}


def _corners(view: View) -> tuple[float, float, float, float]:
    return view.west, view.south, view.east, view.north


def can_see_workers(user: Any) -> bool:
    """Where people are is sensitive: the desks and supervisors see it, to dispatch."""
    return bool(user.can(Cap.EVENTS_TRIAGE) or user.can(Cap.EVENTS_SUPERVISE))


def map_data(user: Any, view: View, f: Filters, now: datetime | None = None) -> dict[str, Any]:
    """Everything one view of the map shows, each layer the user may not see left out (null)."""
    now = now or timezone.now()
    return {
        "bbox": [view.west, view.south, view.east, view.north],
        "zoom": view.zoom,
        "cases": cases_layer(user, view, f, now)
        if "cases" in f.layers and user.can(Cap.EVENTS_VIEW)
        else None,
        "workers": workers_layer(user, view, now)
        if "workers" in f.layers and can_see_workers(user)
        else None,
        "resources": resources_layer(user, view, f)
        if "resources" in f.layers and user.can(Cap.RESOURCES_VIEW)
        else None,
    }
