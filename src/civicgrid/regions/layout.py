"""Synthetic boundaries for the place tree and the grid/micro-grid layout of communities."""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

GeomArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# Code lengths by level (mirrors levels.CODE_LENGTH; repeated so this module needs no Django).
_PROVINCE, _CITY, _COUNTY, _TOWN, _COMMUNITY = 2, 4, 6, 9, 12

# How many grids a community has and micro-grids a grid has (inclusive ranges). With ~21,000
# communities this gives ~105,000 grids and ~420,000 micro-grids, as in Jiangsu.
GRIDS_PER_COMMUNITY = (3, 7)
MICROGRIDS_PER_GRID = (3, 5)
MICROGRID_HOUSEHOLDS = (50, 100)
OUTLINE_BUFFER_DEG = 0.15
# Rejection-sampling rounds before giving up on a polygon with (next to) no area.
_MAX_DRAWS = 200


def node_rng(seed: int, code: str) -> np.random.Generator:
    """A random generator fixed by (seed, node code): stable across processes and runs.

    Python's hash() is salted per process, so crc32 of the code is mixed in instead.
    """
    return np.random.default_rng([seed & 0xFFFFFFFF, zlib.crc32(code.encode("ascii"))])


# --- tiling primitives ---------------------------------------------------------------------


def random_points_in(
    polygons: GeomArray, counts: IntArray, rngs: Sequence[np.random.Generator]
) -> tuple[FloatArray, FloatArray, IntArray]:
    """`counts[i]` random points strictly inside `polygons[i]`, drawn with `rngs[i]`.

    Returns x, y and the owner index of every point, grouped by owner in order.
    """
    shapely.prepare(polygons)
    bounds = shapely.bounds(polygons)
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    for i, need in enumerate(counts.tolist()):
        x, y = _rejection_sample(polygons[i], bounds[i], int(need), rngs[i])
        xs.append(x)
        ys.append(y)
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    empty = np.empty(0)
    return np.concatenate(xs or [empty]), np.concatenate(ys or [empty]), owner


def _rejection_sample(
    polygon: BaseGeometry, bounds: FloatArray, need: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    minx, miny, maxx, maxy = bounds
    got_x: list[FloatArray] = [np.empty(0)]
    got_y: list[FloatArray] = [np.empty(0)]
    have, rounds = 0, 0
    while have < need:
        rounds += 1
        if rounds > _MAX_DRAWS:
            raise ValueError("cannot place seed points inside a (near-)empty polygon")
        # Draw a few times what is needed: convex cells fill most of their box.
        xy = rng.random((max(8, 3 * need), 2))
        x = minx + xy[:, 0] * (maxx - minx)
        y = miny + xy[:, 1] * (maxy - miny)
        inside = shapely.contains_xy(polygon, x, y)
        got_x.append(x[inside])
        got_y.append(y[inside])
        have += int(inside.sum())
    return np.concatenate(got_x)[:need], np.concatenate(got_y)[:need]


def voronoi_tiles(parents: GeomArray, x: FloatArray, y: FloatArray, owner: IntArray) -> GeomArray:
    """One cell per seed point; the cells of each parent tile it exactly.

    Seeds must lie inside their parent, be grouped by owner and be distinct within a parent.
    Every returned cell is a valid Polygon (clip remnants are merged into a neighbour).
    """
    n_parents = len(parents)
    per_parent = np.bincount(owner, minlength=n_parents)
    points = shapely.points(x, y)
    multi = shapely.multipoints(points, indices=owner)
    # multipoints() only emits parents that own points, in owner order.
    has_points = per_parent > 0
    diagrams = np.full(n_parents, None, dtype=object)
    diagrams[has_points] = _in_threads(_voronoi, multi, parents[has_points])
    cells = np.empty(len(x), dtype=object)
    single = per_parent[owner] == 1
    cells[single] = parents[owner[single]]
    multi_parents = np.flatnonzero(per_parent > 1)
    if len(multi_parents):
        parts, part_owner = shapely.get_parts(diagrams[multi_parents], return_index=True)
        got = np.bincount(part_owner, minlength=len(multi_parents))
        if not np.array_equal(got, per_parent[multi_parents]):
            raise ValueError("duplicate seed points inside one parent")
        seed_positions = np.flatnonzero(~single)
        cells[seed_positions] = _in_threads(
            shapely.intersection, parts, parents[owner[seed_positions]]
        )
    return _make_polygons(cells, owner)


def _voronoi(points: GeomArray, extend_to: GeomArray) -> GeomArray:
    return shapely.voronoi_polygons(points, extend_to=extend_to, ordered=True)  # type: ignore[no-any-return]


def _in_threads(
    func: Callable[[GeomArray, GeomArray], GeomArray], a: GeomArray, b: GeomArray
) -> GeomArray:
    """Run a vectorised shapely call on chunks in threads: shapely releases the GIL, so this
    uses every core for the two heavy steps (Voronoi diagrams and clipping)."""
    workers = min(os.cpu_count() or 1, max(1, len(a) // 2000))
    if workers == 1:
        return func(a, b)
    bounds = np.linspace(0, len(a), workers + 1).astype(int)
    with ThreadPoolExecutor(workers) as pool:
        chunks = pool.map(
            lambda i: func(a[bounds[i] : bounds[i + 1]], b[bounds[i] : bounds[i + 1]]),
            range(workers),
        )
        return np.concatenate(list(chunks))


def _make_polygons(cells: GeomArray, owner: IntArray) -> GeomArray:
    """Keep the largest part of each cell; give every other scrap to a touching sibling."""
    type_ids = shapely.get_type_id(cells)
    odd = np.flatnonzero(type_ids != shapely.GeometryType.POLYGON)
    scraps: list[tuple[int, BaseGeometry]] = []
    for i in odd.tolist():
        polys = [
            p
            for p in shapely.get_parts(cells[i])
            if shapely.get_type_id(p) == shapely.GeometryType.POLYGON and p.area > 0
        ]
        polys.sort(key=lambda p: p.area, reverse=True)
        if not polys:
            raise ValueError("a tile came out empty")
        cells[i] = polys[0]
        scraps.extend((i, p) for p in polys[1:])
    _merge_scraps(cells, owner, scraps)
    return cells


def _merge_scraps(
    cells: GeomArray, owner: IntArray, scraps: list[tuple[int, BaseGeometry]]
) -> None:
    """Give each scrap to the sibling it shares the longest edge with, so nothing is lost.

    A scrap may touch its siblings only through another scrap (or at a single point), so
    scraps are merged in passes until every one has found a cell that stays one polygon.
    """
    pending = scraps
    while pending:
        left = []
        for i, scrap in pending:
            if not _merge_into_neighbour(cells, np.flatnonzero(owner == owner[i]), scrap):
                left.append((i, scrap))
        if len(left) == len(pending):
            raise ValueError("a piece of a tile touches none of its siblings")
        pending = left


def _merge_into_neighbour(cells: GeomArray, siblings: IntArray, scrap: BaseGeometry) -> bool:
    shared = [
        shapely.length(shapely.intersection(shapely.boundary(cells[j]), scrap.boundary))
        for j in siblings
    ]
    for k in np.argsort(shared)[::-1].tolist():
        if shared[k] <= 0:
            return False
        merged = shapely.union(cells[siblings[k]], scrap)
        if shapely.get_type_id(merged) == shapely.GeometryType.POLYGON:
            cells[siblings[k]] = merged
            return True
    return False


def tile_randomly(
    parents: GeomArray, counts: IntArray, rngs: Sequence[np.random.Generator]
) -> tuple[GeomArray, IntArray]:
    """Cut each parent into `counts[i]` Voronoi cells around random seeds; returns cells, owner."""
    x, y, owner = random_points_in(parents, counts, rngs)
    return voronoi_tiles(parents, x, y, owner), owner


# --- the official tree ---------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """An official division: its code and, when known, its real centroid."""

    code: str
    lng: float | None = None
    lat: float | None = None


def province_outline(lng: FloatArray, lat: FloatArray) -> BaseGeometry:
    """A province-shaped outline: the convex hull of the county centroids, buffered."""
    hull = shapely.convex_hull(shapely.multipoints(np.column_stack([lng, lat])))
    return shapely.buffer(hull, OUTLINE_BUFFER_DEG, quad_segs=4)


def official_boundaries(nodes: Sequence[Node], *, seed: int) -> dict[str, BaseGeometry]:
    """Synthetic boundaries for every node from the province down to the communities.

    Counties are Voronoi cells of their centroids inside the province outline; cities and the
    province are unions of their counties; towns tile their county, communities their town.
    """
    by_len: dict[int, list[Node]] = {}
    for node in sorted(nodes, key=lambda n: n.code):
        by_len.setdefault(len(node.code), []).append(node)
    seeds = county_seeds(nodes, seed=seed)
    counties = sorted(seeds)
    lng = np.array([seeds[c][0] for c in counties])
    lat = np.array([seeds[c][1] for c in counties])
    outline = province_outline(lng, lat)
    county_cells = voronoi_tiles(
        np.array([outline], dtype=object), lng, lat, np.zeros(len(counties), dtype=np.int64)
    )
    result: dict[str, BaseGeometry] = dict(zip(counties, county_cells, strict=True))
    for length in (_CITY, _PROVINCE):
        for code, geoms in _group_by_prefix(result, _COUNTY, length).items():
            result[code] = shapely.union_all(geoms)
    for parent_len, child_len in ((_COUNTY, _TOWN), (_TOWN, _COMMUNITY)):
        result.update(_tile_children(result, parent_len, by_len.get(child_len, []), seed))
    return result


def county_seeds(nodes: Sequence[Node], *, seed: int) -> dict[str, tuple[float, float]]:
    """The Voronoi seed of every county: its real centroid; a county without one borrows its
    city's (or the mean of all known), and duplicates are jittered so each county gets a cell."""
    counties = sorted((n for n in nodes if len(n.code) == _COUNTY), key=lambda n: n.code)
    if not counties:
        raise ValueError("the tree has no counties")
    known = {n.code: (n.lng, n.lat) for n in nodes if n.lng is not None and n.lat is not None}
    fallback = np.mean([v for v in known.values()], axis=0) if known else np.array([119.0, 33.0])
    seeds: dict[str, tuple[float, float]] = {}
    seen: set[tuple[float, float]] = set()
    for county in counties:
        point = known.get(county.code) or known.get(county.code[:_CITY]) or tuple(fallback)
        x, y = float(point[0]), float(point[1])  # type: ignore[arg-type]
        rng = node_rng(seed, county.code)
        while (x, y) in seen:
            x, y = x + rng.normal(0, 0.01), y + rng.normal(0, 0.01)
        seen.add((x, y))
        seeds[county.code] = (x, y)
    return seeds


def _group_by_prefix(
    geoms: dict[str, BaseGeometry], from_len: int, to_len: int
) -> dict[str, list[BaseGeometry]]:
    groups: dict[str, list[BaseGeometry]] = {}
    for code, geom in geoms.items():
        if len(code) == from_len:
            groups.setdefault(code[:to_len], []).append(geom)
    return groups


def _tile_children(
    known: dict[str, BaseGeometry], parent_len: int, children: list[Node], seed: int
) -> dict[str, BaseGeometry]:
    groups: dict[str, list[str]] = {}
    for child in children:
        if child.code[:parent_len] in known:
            groups.setdefault(child.code[:parent_len], []).append(child.code)
    parent_codes = sorted(groups)
    parents = np.array([known[c] for c in parent_codes], dtype=object)
    counts = np.array([len(groups[c]) for c in parent_codes], dtype=np.int64)
    rngs = [node_rng(seed, c) for c in parent_codes]
    cells, _ = tile_randomly(parents, counts, rngs)
    child_codes = [code for parent in parent_codes for code in sorted(groups[parent])]
    return dict(zip(child_codes, cells, strict=True))


# --- grids and micro-grids -----------------------------------------------------------------


@dataclass(frozen=True)
class GridLayout:
    """Grids and micro-grids of a set of communities, as parallel arrays.

    `grid_community[i]` indexes the input communities; `micro_grid[j]` indexes the grids.
    """

    grid_codes: list[str]
    grid_community: IntArray
    grid_geoms: GeomArray
    grid_households: IntArray
    grid_residents: IntArray
    micro_codes: list[str]
    micro_grid: IntArray
    micro_geoms: GeomArray
    micro_households: IntArray
    micro_residents: IntArray

    @property
    def grid_numbers(self) -> list[int]:
        return [int(code[-3:]) for code in self.grid_codes]

    @property
    def micro_numbers(self) -> list[int]:
        return [int(code[-3:]) for code in self.micro_codes]


def layout_grids(codes: Sequence[str], boundaries: GeomArray, *, seed: int) -> GridLayout:
    """Cut every community into grids and every grid into micro-grids of 50–100 households.

    Each community draws everything from its own generator (seed, community code), so a
    community's layout is the same whether it is generated alone or with the whole province.
    """
    rngs = [node_rng(seed, code) for code in codes]
    n_grids = np.array([r.integers(*GRIDS_PER_COMMUNITY, endpoint=True) for r in rngs])
    grid_geoms, grid_community = tile_randomly(boundaries, n_grids.astype(np.int64), rngs)
    grid_rngs = [rngs[c] for c in grid_community.tolist()]
    n_micro = np.array([r.integers(*MICROGRIDS_PER_GRID, endpoint=True) for r in grid_rngs])
    micro_geoms, micro_grid = tile_randomly(grid_geoms, n_micro.astype(np.int64), grid_rngs)
    micro_rngs = [grid_rngs[g] for g in micro_grid.tolist()]
    micro_households = np.array(
        [r.integers(*MICROGRID_HOUSEHOLDS, endpoint=True) for r in micro_rngs], dtype=np.int64
    )
    # ~2.6 residents per household, varied a little per micro-grid.
    micro_residents = np.array(
        [2 * h + r.binomial(h, 0.6) for r, h in zip(micro_rngs, micro_households, strict=True)],
        dtype=np.int64,
    )
    grid_codes = _child_codes(list(codes), grid_community)
    return GridLayout(
        grid_codes=grid_codes,
        grid_community=grid_community,
        grid_geoms=grid_geoms,
        grid_households=np.bincount(micro_grid, micro_households, len(grid_codes)).astype(np.int64),
        grid_residents=np.bincount(micro_grid, micro_residents, len(grid_codes)).astype(np.int64),
        micro_codes=_child_codes(grid_codes, micro_grid),
        micro_grid=micro_grid,
        micro_geoms=micro_geoms,
        micro_households=micro_households,
        micro_residents=micro_residents,
    )


def _child_codes(parent_codes: list[str], owner: IntArray) -> list[str]:
    """Parent code + a three-digit running number (001, 002, …) within each parent."""
    if len(owner) == 0:
        return []
    starts = np.r_[0, np.flatnonzero(np.diff(owner)) + 1]
    number = np.arange(len(owner)) - np.repeat(starts, np.diff(np.r_[starts, len(owner)])) + 1
    return [
        f"{parent_codes[p]}{n:03d}" for p, n in zip(owner.tolist(), number.tolist(), strict=True)
    ]
