"""Turning stored boundaries (WKB) into GeoJSON features for maps and the API."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import shapely

from civicgrid.regions.models import Region


def feature(region: Region, *, precision: int = 6) -> dict[str, Any]:
    geometry = None
    if region.boundary:
        geom = shapely.from_wkb(bytes(region.boundary))
        geometry = json.loads(shapely.to_geojson(shapely.set_precision(geom, 10**-precision)))
    return {
        "type": "Feature",
        "id": region.code,
        "geometry": geometry,
        "properties": {
            "code": region.code,
            "name": region.name,
            "level": region.level,
            "households": region.households,
            "residents": region.residents,
            "synthetic": region.boundary_is_synthetic,
        },
    }


def feature_collection(regions: Iterable[Region]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [feature(r) for r in regions]}
