"""JSON API for the emergency resources register under /api/v1/resources."""
# No `from __future__ import annotations` here: ninja's @paginate resolves the annotations.

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from civicgrid.accounts.access import lookup
from civicgrid.accounts.roles import Cap
from civicgrid.core.permissions import require
from civicgrid.core.scoping import root_code
from civicgrid.regions.selectors import check_code
from civicgrid.resources import selectors, services
from civicgrid.resources.models import Kind

router = Router(tags=["resources"])


class ResourceOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    address: str
    capacity: int | None
    capacity_unit: str
    contact_name: str
    contact_phone: str = Field(..., description="masked unless you keep the register")
    lng: float
    lat: float
    area: str = Field(..., description="the micro-grid holding the point")
    note: str
    is_active: bool


class NearOut(ResourceOut):
    distance_m: float


class ResourceIn(Schema):
    kind: str = Field(..., max_length=40, description="shelter, aed, fire_station, …")
    name: str = Field(..., max_length=200)
    lng: float
    lat: float
    capacity: int | None = None
    capacity_unit: str = Field("", max_length=40)
    contact_name: str = Field("", max_length=100)
    contact_phone: str = Field("", max_length=40, description="mobile or area code-number")
    address: str = Field("", max_length=400)
    note: str = Field("", max_length=1000)


class ResourcePatch(Schema):
    kind: str | None = Field(None, max_length=40)
    name: str | None = Field(None, max_length=200)
    lng: float | None = None
    lat: float | None = None
    capacity: int | None = None
    capacity_unit: str | None = Field(None, max_length=40)
    contact_name: str | None = Field(None, max_length=100)
    contact_phone: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=400)
    note: str | None = Field(None, max_length=1000)
    is_active: bool | None = None


class ReasonIn(Schema):
    reason: str = Field("", max_length=500)


class ListParams(Schema):
    kind: str = Field("", max_length=40)
    area: str = Field("", max_length=24, description="a region code inside your area")
    q: str = Field("", max_length=50, description="part of the name or address")
    include_inactive: bool = False


class NearParams(Schema):
    lng: float
    lat: float
    kind: list[str] = Field(default_factory=list)
    limit: int = Field(5, ge=1, le=selectors.MAX_NEAREST)


class KindOut(Schema):
    code: str
    label: str


def _row(request: HttpRequest, resource: Any) -> dict[str, Any]:
    return selectors.resource_row(resource, full_phone=selectors.may_see_phone(request.user))


def _area(request: HttpRequest, area: str) -> str:
    if area:
        check_code(area)
        if not area.startswith(root_code(request.user)):  # type: ignore[arg-type]
            raise Http404(area)
    return area


@router.get("", response=list[ResourceOut], summary="Emergency resources in your area")
@paginate(PageNumberPagination, page_size=100)
def resources(request: HttpRequest, params: Query[ListParams]) -> Any:
    require(request.user, Cap.RESOURCES_VIEW)
    if params.kind:
        services.clean_kind(params.kind)
    qs = selectors.resources_visible_to(
        request.user,  # type: ignore[arg-type]
        active=None if params.include_inactive else True,
    )
    qs = selectors.filter_resources(
        qs, kind=params.kind, area=_area(request, params.area), q=params.q
    )
    return [_row(request, r) for r in qs[:5000]]


@router.post("", response={201: ResourceOut}, summary="Add a resource (placed by its point)")
def create(request: HttpRequest, body: ResourceIn) -> Any:
    resource = services.create_resource(by=request.user, **body.dict())
    return Status(201, _row(request, resource))


@router.get("/kinds", response=list[KindOut], summary="The types of resource")
def kinds(request: HttpRequest) -> Any:
    require(request.user, Cap.RESOURCES_VIEW)
    return [{"code": code, "label": str(label)} for code, label in Kind.choices]


@router.get("/nearest", response=list[NearOut], summary="Resources nearest to a point")
def nearest(request: HttpRequest, params: Query[NearParams]) -> Any:
    require(request.user, Cap.RESOURCES_VIEW)
    for kind in params.kind:
        services.clean_kind(kind)
    services.check_point(params.lng, params.lat)
    found = selectors.nearest_resources(
        request.user,  # type: ignore[arg-type]
        lng=params.lng,
        lat=params.lat,
        kinds=params.kind or None,
        limit=params.limit,
    )
    return [_row(request, n.resource) | {"distance_m": round(n.distance_m, 1)} for n in found]


def _resource(request: HttpRequest, resource_id: int, capability: str) -> Any:
    visible = selectors.resources_visible_to(request.user, active=None)  # type: ignore[arg-type]
    return lookup(request.user, visible, capability, pk=resource_id)  # type: ignore[arg-type]


@router.get("/{resource_id}", response=ResourceOut, summary="One resource")
def detail(request: HttpRequest, resource_id: int) -> Any:
    return _row(request, _resource(request, resource_id, Cap.RESOURCES_VIEW))


@router.patch("/{resource_id}", response=ResourceOut, summary="Change a resource")
def update(request: HttpRequest, resource_id: int, body: ResourcePatch) -> Any:
    resource = _resource(request, resource_id, Cap.RESOURCES_EDIT)
    # null means "leave as it is", except for capacity, where it clears the figure.
    changes = {
        k: v for k, v in body.dict(exclude_unset=True).items() if v is not None or k == "capacity"
    }
    saved = services.update_resource(resource=resource, by=request.user, changes=changes)
    return _row(request, saved)


@router.post(
    "/{resource_id}/deactivate", response=ResourceOut, summary="Take a resource out of service"
)
def deactivate(request: HttpRequest, resource_id: int, body: ReasonIn) -> Any:
    resource = _resource(request, resource_id, Cap.RESOURCES_EDIT)
    saved = services.deactivate_resource(resource=resource, by=request.user, reason=body.reason)
    return _row(request, saved)
