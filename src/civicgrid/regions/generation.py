"""Services that write synthetic boundaries and generate grids and micro-grids into the tree."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

import numpy as np
import shapely
from django.db import transaction
from django.db.models import ProtectedError, Sum
from django.utils.translation import gettext_lazy as _
from shapely.geometry.base import BaseGeometry

from civicgrid.core.errors import DomainError
from civicgrid.regions.layout import (
    GridLayout,
    Node,
    county_seeds,
    layout_grids,
    official_boundaries,
)
from civicgrid.regions.levels import CODE_LENGTH, Level, level_of_code
from civicgrid.regions.locate import bump_boundaries_version
from civicgrid.regions.models import Region

_BATCH = 2_000


@dataclass(frozen=True)
class GenerationResult:
    """What generate_grids wrote."""

    area_code: str
    communities: int
    grids: int
    microgrids: int
    households: int
    residents: int


# --- validation ---------------------------------------------------------------------------------


def _checked_area(code: str, *, deepest: Level) -> Region:
    level = level_of_code(code)
    if level is None:
        raise DomainError(
            "regions.malformed_code",
            _("A region code is 2, 4, 6, 9, 12, 15 or 18 digits."),
            region_code=code,
        )
    if level > deepest:
        raise DomainError(
            "regions.area_too_small",
            _("This operation needs a province, city, county, town or community code."),
            region_code=code,
        )
    area = Region.all_objects.filter(code=code).first()
    if area is None:
        raise DomainError("regions.unknown_code", _("No region has this code."), region_code=code)
    return area


# --- synthetic boundaries of the official tree --------------------------------------------------


def synthesize_boundaries(*, root_code: str = "32", seed: int = 1) -> int:
    """Give every official node under `root_code` (down to communities) a synthetic boundary
    and a centroid; returns how many rows were written.

    The layout is always computed for the whole province (county cells depend on every county),
    so a city synthesised alone gets the same shapes as in a province run. Real centroids of
    cities and counties are kept; a county without one gets its Voronoi seed point, so a second
    run with the same seed reads the same seeds and writes identical rows.
    """
    _checked_area(root_code, deepest=Level.COMMUNITY)
    province = root_code[: CODE_LENGTH[Level.PROVINCE]]
    rows = list(
        Region.all_objects.filter(code__startswith=province, level__lte=Level.COMMUNITY)
        .only("code", "level", "centroid_lng", "centroid_lat", "boundary_is_synthetic")
        .order_by("code")
    )
    nodes = [
        Node(r.code, r.centroid_lng, r.centroid_lat)
        if r.level in (Level.CITY, Level.COUNTY)
        else Node(r.code)
        for r in rows
    ]
    if not any(r.level == Level.COUNTY for r in rows):
        raise DomainError(
            "regions.no_counties", _("The province has no counties to draw boundaries from.")
        )
    with transaction.atomic():
        geoms = official_boundaries(nodes, seed=seed)
        seeds = county_seeds(nodes, seed=seed)
        changed = [
            _with_boundary(r, geoms[r.code], seeds.get(r.code))
            for r in rows
            if r.code.startswith(root_code) and r.code in geoms and r.boundary_is_synthetic
        ]
        fields = ["boundary", "boundary_is_synthetic", "centroid_lng", "centroid_lat"]
        Region.all_objects.bulk_update(changed, fields, batch_size=_BATCH)
        bump_boundaries_version()
    return len(changed)


def _with_boundary(
    region: Region, geom: BaseGeometry, seed_point: tuple[float, float] | None
) -> Region:
    region.boundary = shapely.to_wkb(geom)
    region.boundary_is_synthetic = True
    keeps_centroid = region.level <= Level.COUNTY and region.centroid_lng is not None
    if not keeps_centroid:
        x, y = seed_point if seed_point is not None else _centroid(geom)
        region.centroid_lng, region.centroid_lat = x, y
    return region


def _centroid(geom: BaseGeometry) -> tuple[float, float]:
    point = shapely.centroid(geom)
    return float(shapely.get_x(point)), float(shapely.get_y(point))


# --- grids and micro-grids ----------------------------------------------------------------------


def generate_grids(*, area_code: str, seed: int) -> GenerationResult:
    """Cut every community under `area_code` into generated grids and micro-grids.

    Replaces earlier generated grids of those communities and rolls household and resident
    counts up to the province. All or nothing: on any error the tree is left as it was.
    """
    _checked_area(area_code, deepest=Level.COMMUNITY)
    codes, boundaries = _community_boundaries(area_code)
    try:
        layout = layout_grids(codes, boundaries, seed=seed)
    except ValueError as exc:  # a community boundary with no area to cut
        raise DomainError(
            "regions.bad_boundary",
            _("A community boundary cannot be cut into grids: %(reason)s") % {"reason": exc},
            region_code=area_code,
        ) from exc
    with transaction.atomic():
        _delete_generated(area_code)
        _create_rows(layout)
        _roll_up_counts(area_code)
        bump_boundaries_version()
    return GenerationResult(
        area_code=area_code,
        communities=len(codes),
        grids=len(layout.grid_codes),
        microgrids=len(layout.micro_codes),
        households=int(layout.micro_households.sum()),
        residents=int(layout.micro_residents.sum()),
    )


def _community_boundaries(area_code: str) -> tuple[list[str], np.ndarray]:
    rows = list(
        Region.all_objects.filter(level=Level.COMMUNITY, code__startswith=area_code)
        .order_by("code")
        .values_list("code", "boundary")
    )
    if not rows:
        raise DomainError(
            "regions.no_communities", _("This area has no communities."), region_code=area_code
        )
    missing = [code for code, boundary in rows if boundary is None]
    if missing:
        raise DomainError(
            "regions.missing_boundaries",
            _("Some communities have no boundary yet; synthesise or import boundaries first."),
            codes=missing[:10],
            count=len(missing),
        )
    wkb = [bytes(boundary or b"") for _code, boundary in rows]
    return [code for code, _boundary in rows], shapely.from_wkb(wkb)


def _delete_generated(area_code: str) -> None:
    for level in (Level.MICROGRID, Level.GRID):
        below = Region.all_objects.filter(level=level, code__startswith=area_code)
        if below.exclude(source=Region.Source.GENERATED).exists():
            raise DomainError(
                "regions.grids_not_generated",
                _("This area has imported grids; they are not replaced by generated ones."),
                region_code=area_code,
            )
        try:
            below.delete()
        except ProtectedError as exc:
            raise DomainError(
                "regions.grids_in_use",
                _("Some generated grids are still referenced and cannot be replaced."),
                region_code=area_code,
            ) from exc


def _create_rows(layout: GridLayout) -> None:
    # bulk_create lists its input, so feed it slices: a province is ~500,000 rows.
    for rows in (_grid_rows(layout), _micro_rows(layout)):
        while batch := list(islice(rows, _BATCH)):
            Region.all_objects.bulk_create(batch)


def _centroids(geoms: np.ndarray) -> np.ndarray:
    return shapely.get_coordinates(shapely.centroid(geoms))


def _grid_rows(layout: GridLayout) -> Iterator[Region]:
    return _rows(
        layout.grid_codes,
        layout.grid_geoms,
        layout.grid_households,
        layout.grid_residents,
        Level.GRID,
        lambda c: f"第{int(c[-3:])}网格",
    )


def _micro_rows(layout: GridLayout) -> Iterator[Region]:
    return _rows(
        layout.micro_codes,
        layout.micro_geoms,
        layout.micro_households,
        layout.micro_residents,
        Level.MICROGRID,
        lambda c: f"第{int(c[-6:-3])}网格第{int(c[-3:])}微网格",
    )


def _rows(
    codes: Sequence[str],
    geoms: np.ndarray,
    households: np.ndarray,
    residents: np.ndarray,
    level: Level,
    name_of: Callable[[str], str],
) -> Iterator[Region]:
    wkb = shapely.to_wkb(geoms)
    xy = _centroids(geoms)
    parent_length = CODE_LENGTH[level - 1]
    for i, code in enumerate(codes):
        yield Region(
            code=code,
            name=name_of(code),
            level=level,
            parent_id=code[:parent_length],
            boundary=wkb[i],
            boundary_is_synthetic=True,
            centroid_lng=float(xy[i, 0]),
            centroid_lat=float(xy[i, 1]),
            households=int(households[i]),
            residents=int(residents[i]),
            source=Region.Source.GENERATED,
        )


def _roll_up_counts(area_code: str) -> None:
    """Each node from the area's communities up to the province = the sum of its children.

    Below the area every node is recomputed; above it only the area's ancestors are.
    Nodes without children keep their counts (official figures stay until grids exist).
    """
    area_length = len(area_code)
    for level in range(Level.COMMUNITY, Level.PROVINCE - 1, -1):
        length = CODE_LENGTH[level]
        prefix = area_code if length >= area_length else area_code[:length]
        sums: dict[str, tuple[int, int]] = {
            str(row["parent_id"]): (row["h"], row["r"])
            for row in Region.all_objects.filter(level=level + 1, code__startswith=prefix)
            .values("parent_id")
            .annotate(h=Sum("households"), r=Sum("residents"))
            .order_by()
        }
        # A prefix filter, not code__in: SQLite caps the number of query parameters.
        parents = [
            parent
            for parent in Region.all_objects.filter(level=level, code__startswith=prefix).only(
                "code", "households", "residents"
            )
            if parent.code in sums
        ]
        for parent in parents:
            parent.households, parent.residents = sums[parent.code]
        Region.all_objects.bulk_update(parents, ["households", "residents"], batch_size=_BATCH)
