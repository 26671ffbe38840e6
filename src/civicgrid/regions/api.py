"""JSON API for the place tree and locating points: /api/v1/regions/… and /api/v1/locate."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from civicgrid.core.http import region_code_of
from civicgrid.core.permissions import require
from civicgrid.regions import geojson, selectors
from civicgrid.regions.boundaries import feature_codes, import_boundaries

router = Router(tags=["regions"])
locate_router = Router(tags=["locate"])

# A batch is answered in one request; larger jobs are split by the client.
MAX_BATCH = 10_000


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent_code: str | None = Field(None, alias="parent_id")
    centroid_lng: float | None
    centroid_lat: float | None
    households: int
    residents: int


class FeatureCollectionIn(Schema):
    """A GeoJSON FeatureCollection; each feature's properties carry `code` (and `name`)."""

    type: str
    features: list[dict[str, Any]] = Field(..., max_length=50_000)


class BoundaryImportOut(Schema):
    created: int
    updated: int


class SearchParams(Schema):
    q: str = Field("", max_length=50, description="part of a name, or the start of a code")
    level: int | None = Field(None, ge=1, le=7)
    limit: int = Field(50, ge=1, le=200)


@router.get("/search", response=list[RegionOut], summary="Search regions by name or code")
def search(request: HttpRequest, params: Query[SearchParams]) -> Any:
    return selectors.search_regions(
        region_code_of(request), params.q, level=params.level, limit=params.limit
    )


@router.post(
    "/boundaries",
    response=BoundaryImportOut,
    summary="Import surveyed boundaries: a GeoJSON FeatureCollection (properties: code, name)",
)
def upload_boundaries(request: HttpRequest, body: FeatureCollectionIn) -> Any:
    # Scope before rights: outside the caller's area is 404 whatever their role.
    mine = region_code_of(request)
    collection = body.dict()
    selectors.check_all_in_area(mine, feature_codes(collection))
    require(request.user, "regions.edit_boundaries")
    return import_boundaries(collection=collection, within=mine, by=request.user)


@router.get("/{code}", response=RegionOut, summary="One region of your area")
def detail(request: HttpRequest, code: str) -> Any:
    return selectors.region_for(region_code_of(request), code)


@router.get("/{code}/children", response=list[RegionOut], summary="The children of a region")
def children(request: HttpRequest, code: str) -> Any:
    mine = region_code_of(request)
    return selectors.children_of(mine, selectors.region_for(mine, code))


@router.get("/{code}/map", summary="GeoJSON of a region and its children's boundaries")
def region_map(request: HttpRequest, code: str) -> dict[str, Any]:
    mine = region_code_of(request)
    region = selectors.region_for(mine, code)
    kids = selectors.children_of(mine, region, with_boundary=True)
    return {"region": geojson.feature(region), "children": geojson.feature_collection(kids)}


class ChainNode(Schema):
    code: str
    name: str
    level: int


class LocationOut(Schema):
    micro_grid: str
    chain: list[ChainNode]


class PointsIn(Schema):
    points: list[tuple[float, float]] = Field(
        ..., description="[longitude, latitude] pairs in WGS-84", max_length=MAX_BATCH
    )


class BatchOut(Schema):
    micro_grids: list[str | None]
    found: int
    outside: int


@locate_router.get(
    "/locate",
    response=LocationOut,
    summary="The micro-grid (and chain) holding a WGS-84 point; 404 locate.outside_area if none",
)
def locate_one(request: HttpRequest, lng: float, lat: float) -> Any:
    chain = selectors.locate_in_area(region_code_of(request), lng=lng, lat=lat)
    return {"micro_grid": chain[-1].code, "chain": chain}


@locate_router.post(
    "/locate/batch",
    response=BatchOut,
    summary=f"Micro-grid codes for up to {MAX_BATCH} points (null where outside your area)",
)
def locate_batch(request: HttpRequest, body: PointsIn) -> Any:
    lng = [p[0] for p in body.points]
    lat = [p[1] for p in body.points]
    codes = selectors.locate_many_in_area(region_code_of(request), lng=lng, lat=lat)
    found = sum(code is not None for code in codes)
    return {"micro_grids": codes, "found": found, "outside": len(codes) - found}
