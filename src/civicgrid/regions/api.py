"""JSON API for the place tree and locating points: /api/v1/regions/… and /api/v1/locate."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from civicgrid.core.http import region_code_of
from civicgrid.regions import geojson, selectors

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent_code: str | None = Field(None, alias="parent_id")
    centroid_lng: float | None
    centroid_lat: float | None
    households: int
    residents: int


class SearchParams(Schema):
    q: str = Field("", max_length=50, description="part of a name, or the start of a code")
    level: int | None = Field(None, ge=1, le=7)
    limit: int = Field(50, ge=1, le=200)


@router.get("/search", response=list[RegionOut], summary="Search regions by name or code")
def search(request: HttpRequest, params: Query[SearchParams]) -> Any:
    return selectors.search_regions(
        region_code_of(request), params.q, level=params.level, limit=params.limit
    )


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
