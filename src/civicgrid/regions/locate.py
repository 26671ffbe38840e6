"""Point → micro-grid lookup: an in-memory index per process, rebuilt when boundaries change.

Rule for points on a shared border: every micro-grid whose closed boundary covers the point is
a match, and the one with the smallest code wins. So a point on the border between micro-grids
…001 and …002 belongs to …001, in the batch and the single-point form alike.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import DomainError
from civicgrid.regions.levels import ancestor_codes

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

OUTSIDE = -1
BOUNDARIES_LAYER = "boundaries"
# The bucket grid gets about this many buckets per polygon part, and never more than the cap.
_BUCKETS_PER_PART = 8
_MAX_BUCKETS = 8_000_000
_CHUNK = 65_536  # points per worker chunk: keeps the per-edge temporaries small


@dataclass(frozen=True)
class Location:
    """Where a point is: the micro-grid code and its whole chain, or outside the area."""

    microgrid_code: str | None

    @property
    def outside(self) -> bool:
        return self.microgrid_code is None

    @property
    def chain(self) -> list[str]:
        """Codes from the province down to the micro-grid (empty when outside)."""
        if self.microgrid_code is None:
            return []
        return [*ancestor_codes(self.microgrid_code), self.microgrid_code]


def validate_coordinates(lng: FloatArray, lat: FloatArray) -> None:
    """Raise `locate.invalid_coordinates` unless every pair is a finite WGS-84 coordinate."""
    if lng.shape != lat.shape:
        raise DomainError(
            "locate.invalid_coordinates", _("Longitudes and latitudes must come in pairs.")
        )
    ok = np.isfinite(lng) & np.isfinite(lat) & (np.abs(lng) <= 180) & (np.abs(lat) <= 90)
    if not ok.all():
        bad = int(np.flatnonzero(~ok)[0])
        raise DomainError(
            "locate.invalid_coordinates",
            _("Coordinates must be a longitude in [-180, 180] and a latitude in [-90, 90]."),
            index=bad,
        )


class MicrogridIndex:
    """Micro-grid polygons prepared for fast point lookup.

    Batches use a uniform bucket grid over the polygon parts' bounding boxes, then an exact,
    vectorised crossing-number test on the candidate edges (numpy, in threads); a Shapely
    STRtree over the same polygons answers single points. Both apply the border rule above.
    """

    def __init__(self, codes: Sequence[str], geometries: npt.NDArray[np.object_]) -> None:
        order = np.argsort(np.asarray(codes, dtype=object), kind="stable")
        self.codes: list[str] = [codes[i] for i in order.tolist()]
        self.geometries = np.asarray(geometries, dtype=object)[order]
        self.tree = shapely.STRtree(self.geometries)
        shapely.prepare(self.geometries)
        parts, self._part_owner = shapely.get_parts(self.geometries, return_index=True)
        self._build_edges(parts)
        self._build_buckets(shapely.bounds(parts))

    @classmethod
    def from_wkb(cls, codes: Sequence[str], wkb: Sequence[bytes]) -> MicrogridIndex:
        return cls(codes, shapely.from_wkb(np.asarray(wkb, dtype=object)))

    def __len__(self) -> int:
        return len(self.codes)

    # --- building ---------------------------------------------------------------------------

    def _build_edges(self, parts: npt.NDArray[np.object_]) -> None:
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        # An edge joins consecutive coordinates of the same ring (rings are closed).
        same_ring = coord_ring[:-1] == coord_ring[1:]
        start = np.flatnonzero(same_ring)
        self._x1, self._y1 = coords[start, 0], coords[start, 1]
        self._x2, self._y2 = coords[start + 1, 0], coords[start + 1, 1]
        edge_part = ring_part[coord_ring[start]]
        counts = np.bincount(edge_part, minlength=len(parts))
        self._edge_start = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
        self._edge_count = counts.astype(np.int64)

    def _build_buckets(self, bounds: FloatArray) -> None:
        self._bounds = bounds
        if len(bounds) == 0:
            self._x0 = self._y0 = 0.0
            self._bw = self._bh = 1.0
            self._nx = self._ny = 1
            self._bucket_start = np.zeros(2, dtype=np.int64)
            self._bucket_parts = np.zeros(0, dtype=np.int64)
            return
        self._x0, self._y0 = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        width = float(bounds[:, 2].max()) - self._x0
        height = float(bounds[:, 3].max()) - self._y0
        n_buckets = min(_MAX_BUCKETS, _BUCKETS_PER_PART * len(bounds))
        side = max(math.sqrt(width * height / n_buckets), 1e-9)
        self._nx = max(1, math.ceil(width / side))
        self._ny = max(1, math.ceil(height / side))
        self._bw = max(width / self._nx, 1e-12)
        self._bh = max(height / self._ny, 1e-12)
        ix0, iy0 = self._bucket_xy(bounds[:, 0], bounds[:, 1])
        ix1, iy1 = self._bucket_xy(bounds[:, 2], bounds[:, 3])
        span_x, span_y = ix1 - ix0 + 1, iy1 - iy0 + 1
        per_part = span_x * span_y
        part = np.repeat(np.arange(len(bounds), dtype=np.int64), per_part)
        k = np.arange(len(part)) - np.repeat(np.cumsum(per_part) - per_part, per_part)
        bx = ix0[part] + k % span_x[part]
        by = iy0[part] + k // span_x[part]
        bucket = by * self._nx + bx
        # Stable sort keeps parts in code order inside each bucket (the border rule needs it).
        order = np.argsort(bucket, kind="stable")
        self._bucket_parts = part[order]
        counts = np.bincount(bucket, minlength=self._nx * self._ny)
        self._bucket_start = np.r_[0, np.cumsum(counts)].astype(np.int64)

    def _bucket_xy(self, x: FloatArray, y: FloatArray) -> tuple[IntArray, IntArray]:
        ix = np.clip(((x - self._x0) / self._bw).astype(np.int64), 0, self._nx - 1)
        iy = np.clip(((y - self._y0) / self._bh).astype(np.int64), 0, self._ny - 1)
        return ix, iy

    # --- lookup -----------------------------------------------------------------------------

    def locate_many(
        self, lng: FloatArray, lat: FloatArray, *, workers: int | None = None
    ) -> IntArray:
        """Index into `codes` of the micro-grid holding each point, or -1 when outside.

        Large batches run in chunks on `workers` threads (default: one per core); numpy
        releases the GIL in the heavy array operations.
        """
        lng = np.asarray(lng, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        validate_coordinates(lng, lat)
        if len(lng) <= _CHUNK:
            return self._locate_chunk(lng, lat)
        cuts = range(0, len(lng), _CHUNK)
        with ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool:
            parts = pool.map(
                lambda s: self._locate_chunk(lng[s : s + _CHUNK], lat[s : s + _CHUNK]), cuts
            )
            return np.concatenate(list(parts))

    def _locate_chunk(self, px: FloatArray, py: FloatArray) -> IntArray:
        result = np.full(len(px), OUTSIDE, dtype=np.int64)
        if len(self._bucket_parts) == 0:
            return result
        ix, iy = self._bucket_xy(px, py)
        in_grid = (px >= self._x0) & (px <= self._x0 + self._bw * self._nx)
        in_grid &= (py >= self._y0) & (py <= self._y0 + self._bh * self._ny)
        bucket = iy * self._nx + ix
        start = self._bucket_start[bucket]
        count = np.where(in_grid, self._bucket_start[bucket + 1] - start, 0)
        point = np.repeat(np.arange(len(px)), count)
        offset = np.arange(len(point)) - np.repeat(np.cumsum(count) - count, count)
        part = self._bucket_parts[start[point] + offset]
        b = self._bounds[part]
        x, y = px[point], py[point]
        near = (x >= b[:, 0]) & (x <= b[:, 2]) & (y >= b[:, 1]) & (y <= b[:, 3])
        point, part = point[near], part[near]
        covered = self._covers(px[point], py[point], part)
        point, part = point[covered], part[covered]
        # Pairs run in point order and, per point, in code order: the first pair is the winner.
        first = np.ones(len(point), dtype=bool)
        first[1:] = point[1:] != point[:-1]
        result[point[first]] = self._part_owner[part[first]]
        return result

    def _covers(self, px: FloatArray, py: FloatArray, part: IntArray) -> npt.NDArray[np.bool_]:
        """Does each part's closed polygon (boundary included) hold its paired point?"""
        count = self._edge_count[part]
        pair = np.repeat(np.arange(len(part)), count)
        offset = np.arange(len(pair)) - np.repeat(np.cumsum(count) - count, count)
        edge = self._edge_start[part][pair] + offset
        x, y = px[pair], py[pair]
        x1, y1, x2, y2 = self._x1[edge], self._y1[edge], self._x2[edge], self._y2[edge]
        straddles = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            crossing = straddles & (x < (x2 - x1) * (y - y1) / (y2 - y1) + x1)
        on_edge = (
            ((x2 - x1) * (y - y1) == (y2 - y1) * (x - x1))
            & (np.minimum(x1, x2) <= x)
            & (x <= np.maximum(x1, x2))
            & (np.minimum(y1, y2) <= y)
            & (y <= np.maximum(y1, y2))
        )
        starts = np.cumsum(count) - count
        if len(pair) == 0:
            return np.zeros(len(part), dtype=bool)
        odd = np.add.reduceat(crossing.astype(np.int8), starts) % 2 == 1
        touch = np.logical_or.reduceat(on_edge, starts)
        return odd | touch  # type: ignore[no-any-return]

    def locate(self, lng: float, lat: float) -> Location:
        """The micro-grid holding one point (the smallest code when on a border)."""
        validate_coordinates(np.array([lng], dtype=float), np.array([lat], dtype=float))
        hits = self.tree.query(shapely.points(lng, lat), predicate="intersects")
        if len(hits) == 0:
            return Location(None)
        return Location(self.codes[int(hits.min())])


# --- the per-process cache ---------------------------------------------------------------------

_cache_lock = threading.Lock()
# (version, changed_at) of the boundaries layer the cached index was built from. The time is
# part of the key so that a counter reset (a restored database, a rolled-back test) is noticed.
_cached: tuple[tuple[int, object], MicrogridIndex] | None = None
# The version is checked at most this often (every report locates its point): another process's
# boundary change reaches this one within this time; one made in this process, at once.
RECHECK_SECONDS = 1.0
_checked_at = -math.inf


def boundaries_version() -> int:
    """The shared boundaries counter (0 before any change was recorded)."""
    return _layer_key()[0]


def _layer_key() -> tuple[int, object]:
    from civicgrid.regions.models import LayerVersion

    row = (
        LayerVersion.objects.filter(name=BOUNDARIES_LAYER)
        .values_list("version", "changed_at")
        .first()
    )
    return (int(row[0]), row[1]) if row else (0, None)


def bump_boundaries_version() -> int:
    """Record a boundary change so every process rebuilds its index; call inside the writer's
    transaction so the bump commits (or rolls back) with the change itself."""
    from django.db.models import F

    from civicgrid.regions.models import LayerVersion

    global _checked_at
    LayerVersion.objects.get_or_create(name=BOUNDARIES_LAYER)
    # update() skips auto_now, so the time is set explicitly.
    LayerVersion.objects.filter(name=BOUNDARIES_LAYER).update(
        version=F("version") + 1, changed_at=timezone.now()
    )
    _checked_at = -math.inf
    return boundaries_version()


def load_index() -> MicrogridIndex:
    """Build an index from every micro-grid boundary in the database."""
    from civicgrid.regions.levels import Level
    from civicgrid.regions.models import Region

    rows = (
        Region.all_objects.filter(level=Level.MICROGRID, boundary__isnull=False)
        .order_by("code")
        .values_list("code", "boundary")
    )
    codes: list[str] = []
    wkb: list[bytes] = []
    for code, boundary in rows.iterator(chunk_size=20_000):
        codes.append(code)
        wkb.append(bytes(boundary or b""))  # the filter above already excludes NULL
    return MicrogridIndex.from_wkb(codes, wkb)


def get_index() -> MicrogridIndex:
    """This process's index, rebuilt when the shared boundaries version has moved on.

    The database counter is the only shared truth; it is read at most once a RECHECK_SECONDS.
    """
    global _cached, _checked_at
    cached = _cached
    if cached is not None and time.monotonic() - _checked_at < RECHECK_SECONDS:
        return cached[1]
    key = _layer_key()
    _checked_at = time.monotonic()
    if cached is not None and cached[0] == key:
        return cached[1]
    with _cache_lock:
        if _cached is None or _cached[0] != key:
            _cached = (key, load_index())
        return _cached[1]


def forget_index() -> None:
    """Drop this process's index; the next lookup rebuilds it (tests build worlds that never
    bumped the shared counter, so each test starts without another test's index)."""
    global _cached, _checked_at
    with _cache_lock:
        _cached = None
        _checked_at = -math.inf


def locate_point(*, lng: float, lat: float) -> Location:
    """The micro-grid (and chain) holding a WGS-84 point, or an 'outside the area' answer."""
    return get_index().locate(lng, lat)


def locate_points(*, lng: FloatArray, lat: FloatArray) -> list[str | None]:
    """Micro-grid codes for many points at once (None where a point is outside the area)."""
    index = get_index()
    found = index.locate_many(lng, lat)
    return [index.codes[i] if i >= 0 else None for i in found.tolist()]
