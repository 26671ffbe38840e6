"""Importing surveyed boundaries (GeoJSON) for regions, all-or-nothing after checking them all."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from shapely.geometry.base import BaseGeometry

from civicgrid.core.audit import log_action, register_action
from civicgrid.core.errors import DomainError, NotFound
from civicgrid.regions.levels import Level, level_of_code, parent_code
from civicgrid.regions.locate import bump_boundaries_version
from civicgrid.regions.models import Region

IMPORTED = register_action("regions.boundaries.imported", _("imported boundaries"))

# Neighbours share borders; only an overlap larger than this share of the smaller one counts,
# so that rounding in a surveyor's export does not reject a good file.
OVERLAP_TOLERANCE = 1e-6
# A child may stick out of its parent by this much (degrees, about 1 m) for the same reason.
CONTAINMENT_TOLERANCE = 1e-5


@dataclass(frozen=True)
class BoundaryImportResult:
    created: int
    updated: int

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated"


@dataclass(frozen=True)
class _Item:
    code: str
    level: Level
    name: str
    geometry: BaseGeometry


def _stored_shape(wkb: bytes | memoryview | None) -> BaseGeometry:
    """A stored boundary (queries here select only rows that have one)."""
    assert wkb is not None
    return shapely.from_wkb(bytes(wkb))


def _fail(code: str, message: Any, **details: Any) -> DomainError:
    return DomainError(code, message, **details)


def _parse_feature(index: int, feature: Any) -> _Item:
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise _fail("regions.bad_geojson", _("Item %(n)d is not a GeoJSON Feature.") % {"n": index})
    props = feature.get("properties") or {}
    code = str(props.get("code", "")).strip()
    level = level_of_code(code)
    if level is None:
        raise _fail(
            "regions.malformed_code",
            _("Feature %(n)d: '%(code)s' is not a region code.") % {"n": index, "code": code[:40]},
            feature=index,
        )
    try:
        geometry = shapely.from_geojson(json.dumps(feature.get("geometry")))
    except (shapely.errors.GEOSException, TypeError, ValueError):
        geometry = None
    if geometry is None or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise _fail(
            "regions.invalid_geometry",
            _("Feature %(n)d (%(code)s) needs a Polygon or MultiPolygon geometry.")
            % {"n": index, "code": code},
            feature=index,
        )
    _check_geometry(index, code, geometry)
    name = str(props.get("name", "")).strip()[:100]
    return _Item(code=code, level=level, name=name, geometry=geometry)


def _check_geometry(index: int, code: str, geometry: BaseGeometry) -> None:
    minx, miny, maxx, maxy = geometry.bounds
    in_range = -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    if not in_range or not geometry.is_valid or geometry.is_empty:
        raise _fail(
            "regions.invalid_geometry",
            _("Feature %(n)d (%(code)s): the boundary is not a valid WGS-84 polygon (%(why)s).")
            % {
                "n": index,
                "code": code,
                "why": shapely.is_valid_reason(geometry)
                if in_range
                else "coordinates out of range",
            },
            feature=index,
        )


def _check_nodes(items: Sequence[_Item], existing: Mapping[str, Region]) -> None:
    codes = [item.code for item in items]
    duplicates = {c for c in codes if codes.count(c) > 1}
    if duplicates:
        raise _fail(
            "regions.duplicate_code",
            _("The file names %(code)s more than once.") % {"code": sorted(duplicates)[0]},
        )
    parents = {parent_code(c) for c in codes} - {None}
    stored_parents = set(Region.all_objects.filter(code__in=parents).values_list("code", flat=True))
    known = set(existing) | set(codes) | stored_parents
    for item in items:
        if item.code not in existing and item.level < Level.GRID:
            raise _fail(
                "regions.unknown_code",
                _(
                    "There is no area with code %(code)s; official divisions come from "
                    "import-divisions."
                )
                % {"code": item.code},
            )
        parent = parent_code(item.code)
        if parent is not None and parent not in known:
            raise _fail(
                "regions.unknown_parent",
                _("%(code)s has no parent %(parent)s, neither stored nor in the file.")
                % {"code": item.code, "parent": parent},
            )
        if item.code not in existing and not item.name:
            raise _fail(
                "regions.name_required",
                _("%(code)s is new, so it needs a name.") % {"code": item.code},
            )


def _check_overlaps(items: Sequence[_Item], parent: str) -> None:
    """Siblings (from the file and those stored and not replaced) must not overlap."""
    codes = [i.code for i in items]
    geoms = [i.geometry for i in items]
    stored = (
        Region.all_objects.filter(parent__code=parent, boundary__isnull=False)
        .exclude(code__in=codes)
        .values_list("code", "boundary")
    )
    for code, wkb in stored:
        codes.append(code)
        geoms.append(_stored_shape(wkb))
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a >= b:
            continue
        shared = shapely.intersection(geoms[a], geoms[b]).area
        if shared > OVERLAP_TOLERANCE * min(geoms[a].area, geoms[b].area):
            raise _fail(
                "regions.overlapping_boundaries",
                _("The boundaries of %(a)s and %(b)s overlap.") % {"a": codes[a], "b": codes[b]},
                codes=[codes[a], codes[b]],
            )


def _check_inside_parents(items: Sequence[_Item], by_code: Mapping[str, BaseGeometry]) -> None:
    for item in items:
        parent = parent_code(item.code)
        outline = by_code.get(parent or "")
        if outline is not None and not outline.buffer(CONTAINMENT_TOLERANCE).covers(item.geometry):
            raise _fail(
                "regions.outside_parent",
                _("%(code)s reaches outside its parent %(parent)s.")
                % {"code": item.code, "parent": parent},
            )


def _parent_outlines(items: Sequence[_Item]) -> dict[str, BaseGeometry]:
    outlines = {i.code: i.geometry for i in items}
    wanted = {parent_code(i.code) for i in items} - set(outlines) - {None}
    for code, wkb in Region.all_objects.filter(code__in=wanted, boundary__isnull=False).values_list(
        "code", "boundary"
    ):
        outlines[code] = _stored_shape(wkb)
    return outlines


def feature_codes(collection: Mapping[str, Any]) -> list[str]:
    """The region codes a GeoJSON collection names (whatever else is wrong with it)."""
    features = collection.get("features") if isinstance(collection, Mapping) else None
    if not isinstance(features, list):
        return []
    return [
        str((f.get("properties") or {}).get("code", "")) for f in features if isinstance(f, Mapping)
    ]


@transaction.atomic
def import_boundaries(
    *, collection: Mapping[str, Any], within: str = "", by: Any = None
) -> BoundaryImportResult:
    """Set boundaries (and create grids/micro-grids) from a GeoJSON FeatureCollection.

    Every feature is checked before anything is written; one bad feature rejects the file.
    `within` limits the codes to one subtree (the caller's area).
    """
    features = collection.get("features") if collection.get("type") == "FeatureCollection" else None
    if not isinstance(features, list) or not features:
        raise _fail("regions.bad_geojson", _("Expected a GeoJSON FeatureCollection with features."))
    items = [_parse_feature(n, feature) for n, feature in enumerate(features, start=1)]
    outside = [i.code for i in items if not i.code.startswith(within)]
    if outside:
        raise NotFound("not_found", _("%(code)s is not in your area.") % {"code": outside[0]})
    existing = Region.all_objects.in_bulk([i.code for i in items], field_name="code")
    _check_nodes(items, existing)
    by_parent: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        by_parent[parent_code(item.code) or ""].append(item)
    for parent, siblings in by_parent.items():
        _check_overlaps(siblings, parent)
    _check_inside_parents(items, _parent_outlines(items))
    created = updated = 0
    for item in sorted(items, key=lambda i: len(i.code)):
        centroid = item.geometry.centroid
        values = {
            "boundary": shapely.to_wkb(item.geometry),
            "boundary_is_synthetic": False,
            "centroid_lng": centroid.x,
            "centroid_lat": centroid.y,
        }
        if item.code in existing:
            region = existing[item.code]
            for field, value in values.items():
                setattr(region, field, value)
            if item.name:
                region.name = item.name
            region.save()
            updated += 1
        else:
            Region.all_objects.create(
                code=item.code,
                name=item.name,
                level=item.level,
                parent_id=parent_code(item.code),
                source=Region.Source.IMPORTED,
                **values,
            )
            created += 1
    bump_boundaries_version()
    result = BoundaryImportResult(created=created, updated=updated)
    log_action(
        None,
        IMPORTED,
        by=by,
        data={"created": created, "updated": updated, "codes": sorted(i.code for i in items)[:50]},
    )
    return result
