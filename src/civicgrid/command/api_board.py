"""JSON API of the live board and the one map, under /api/v1/command/."""
# No `from __future__ import annotations` here: ninja resolves the annotations.

from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Field, Query, Router, Schema

from civicgrid.accounts.roles import Cap
from civicgrid.command import board as boards
from civicgrid.command import checkin as checkins
from civicgrid.command import map as maps
from civicgrid.core.permissions import require
from civicgrid.events import present
from civicgrid.events import selectors as events
from civicgrid.resources import selectors as resources

router = Router(tags=["command centre: board and map"])


class BoardItemOut(Schema):
    number: str
    url: str
    priority: int
    emergency: bool
    title: str
    detail: str
    state: str
    state_label: str
    area: str
    at: str | None
    due_at: str | None
    overdue: bool


class BoardListOut(Schema):
    title: str
    total: int
    items: list[BoardItemOut]


class BoardOut(Schema):
    new: BoardListOut
    due: BoardListOut
    whistles: BoardListOut
    supervised: BoardListOut


@router.get(
    "/board",
    response=BoardOut,
    summary="The live board: new reports, due soon/overdue, whistles waiting, supervised",
)
def command_board(request: HttpRequest) -> Any:
    return {
        s.key: {"title": s.title, "total": s.total, "items": [i.as_dict() for i in s.items]}
        for s in boards.board(request.user)
    }


class MapParams(Schema):
    bbox: str = Field(..., max_length=120, description="west,south,east,north (WGS-84)")
    zoom: str = Field(..., max_length=4, description="the map's zoom, 0–22")
    state: str = Field("open", max_length=20, description="'open' or one state")
    category: str = Field("", max_length=4, description="a class (2 digits) or subclass")
    emergency: bool = False
    overdue: bool = False
    kinds: str = Field("", max_length=200, description="resource types, comma-separated")
    layers: str = Field("", max_length=40, description="cases,workers,resources (default all)")


class ClusterOut(Schema):
    count: int
    lng: float
    lat: float
    states: dict[str, int]
    emergency: int
    overdue: int
    number: str | None = Field(None, description="the case, when the cluster holds only one")


class PointOut(Schema):
    number: str
    lng: float
    lat: float
    state: str
    category: str
    priority: int
    overdue: bool


class CasesOut(Schema):
    mode: str = Field(..., description="'clusters' or 'points'")
    total: int
    cell: list[float] | None = Field(None, description="cell width and height in degrees")
    clusters: list[ClusterOut]
    points: list[PointOut]


class WorkerOut(Schema):
    id: int
    name: str
    role: str
    grid: str
    lng: float
    lat: float
    at: str
    fresh: bool


class WorkersOut(Schema):
    truncated: bool
    items: list[WorkerOut]


class MapResourceOut(Schema):
    id: int
    kind: str
    name: str
    lng: float
    lat: float
    capacity: int | None
    capacity_unit: str


class ResourcesOut(Schema):
    truncated: bool
    items: list[MapResourceOut]


class MapOut(Schema):
    bbox: list[float]
    zoom: int
    cases: CasesOut | None
    workers: WorkersOut | None
    resources: ResourcesOut | None


@router.get(
    "/map",
    response=MapOut,
    summary="Cases (clustered by zoom), workers' positions and resources in a view box",
)
def command_map(request: HttpRequest, params: Query[MapParams]) -> Any:
    require(request.user, Cap.EVENTS_VIEW)
    view = maps.parse_view(params.bbox, params.zoom)
    filters = maps.parse_filters(
        state=params.state, category=params.category, emergency=params.emergency,
        overdue=params.overdue, kinds=params.kinds, layers=params.layers,
    )  # fmt: skip
    # Built by our code to the MapOut schema (documented, and checked by the tests); validating
    # up to a few thousand items again on every pan would cost more than the query at low zoom.
    data = maps.map_data(request.user, view, filters)
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})


class NearCaseOut(Schema):
    number: str
    url: str
    state: str
    state_label: str
    category_name: str
    priority: int
    description: str
    address: str
    area: str
    lng: float | None
    lat: float | None
    overdue: bool
    due_at: str | None


class NearWorkerOut(Schema):
    handler: str
    name: str
    grid: str
    distance_m: float | None
    open_orders: int
    from_position: bool


class NearResourceOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    capacity: int | None
    capacity_unit: str
    contact_name: str
    contact_phone: str
    lng: float
    lat: float
    distance_m: float


class NearestOut(Schema):
    incident: NearCaseOut
    workers: list[NearWorkerOut] | None = Field(None, description="null unless you dispatch")
    resources: list[NearResourceOut] | None = Field(
        None, description="null unless you may see resources"
    )


@router.get(
    "/incidents/{number}/nearest",
    response=NearestOut,
    summary="Who is nearest to a case: grid workers and emergency resources by distance",
)
def command_nearest(request: HttpRequest, number: str, kind: str = "") -> Any:
    require(request.user, Cap.EVENTS_VIEW)
    case = events.incident_for(request.user, number)
    kinds = maps.parse_filters(kinds=kind).kinds
    row = present.incident_row(case)
    out: dict[str, Any] = {
        "incident": {**row, "url": boards.case_url(case.number), "area": case.region.name},
        "workers": None,
        "resources": None,
    }
    if request.user.can(Cap.EVENTS_TRIAGE):  # type: ignore[union-attr]
        out["workers"] = [
            {
                "handler": f"worker:{s.worker.pk}",
                "name": s.worker.get_full_name() or s.worker.username,
                "grid": s.worker.region_code,
                "distance_m": round(s.distance_m, 1) if s.distance_m is not None else None,
                "open_orders": s.open_orders,
                "from_position": s.from_position,
            }
            for s in events.nearest_workers(case)
        ]
    if request.user.can(Cap.RESOURCES_VIEW):  # type: ignore[union-attr]
        out["resources"] = []
        if case.lng is not None and case.lat is not None:  # an unplaced report has no "near"
            full = resources.may_see_phone(request.user)
            found = resources.nearest_resources(
                request.user,  # type: ignore[arg-type]
                lng=case.lng,
                lat=case.lat,
                kinds=list(kinds) or None,
            )
            out["resources"] = [
                resources.resource_row(n.resource, full_phone=full)
                | {"distance_m": round(n.distance_m, 1)}
                for n in found
            ]
    return out


class CheckinIn(Schema):
    lng: float
    lat: float


class CheckinOut(Schema):
    lng: float
    lat: float
    at: str


@router.post("/checkin", response=CheckinOut, summary="A grid worker says where they are now")
def command_checkin(request: HttpRequest, body: CheckinIn) -> Any:
    position = checkins.check_in(by=request.user, lng=body.lng, lat=body.lat)
    return {"lng": position.lng, "lat": position.lat, "at": present.local(position.at)}
