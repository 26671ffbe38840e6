"""Point → micro-grid lookup against the whole-province micro-grid layer (no database needed).

Run: PYTHONPATH=src /work/main/.venv/bin/python bench/locate.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")

import django

django.setup()

from bench.standin import province_layout  # noqa: E402
from civicgrid.regions.locate import MicrogridIndex  # noqa: E402

POINTS = 1_000_000
BASELINE_POINTS = 10_000


def best_of(runs: int, func, *args, **kwargs) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = func(*args, **kwargs)
        best = min(best, time.perf_counter() - started)
    return best, result


def plain_loop(index: MicrogridIndex, lng: np.ndarray, lat: np.ndarray) -> list[int]:
    """The baseline: per point, the STRtree's bounding-box candidates, then polygon.covers in
    code order in a Python loop (what straightforward per-point code would do)."""
    found = []
    for x, y in zip(lng.tolist(), lat.tolist(), strict=True):
        point = shapely.Point(x, y)
        hit = -1
        for i in sorted(index.tree.query(point).tolist()):
            if index.geometries[i].covers(point):
                hit = i
                break
        found.append(hit)
    return found


def main() -> None:
    started = time.perf_counter()
    boundaries, layout = province_layout(seed=1)
    generate_s = time.perf_counter() - started
    wkb = shapely.to_wkb(layout.micro_geoms)

    build_s, index = best_of(1, MicrogridIndex.from_wkb, layout.micro_codes, wkb)
    minx, miny, maxx, maxy = boundaries["32"].bounds
    rng = np.random.default_rng(42)
    lng, lat = rng.uniform(minx, maxx, POINTS), rng.uniform(miny, maxy, POINTS)

    batch_s, found = best_of(3, index.locate_many, lng, lat)
    batch1_s, found1 = best_of(3, index.locate_many, lng, lat, workers=1)
    strtree_s, hits = best_of(
        1, lambda: index.tree.query(shapely.points(lng, lat), predicate="intersects")
    )
    expected = np.full(POINTS, np.iinfo(np.int64).max)
    np.minimum.at(expected, hits[0], hits[1])
    expected[expected == np.iinfo(np.int64).max] = -1
    assert np.array_equal(found, expected) and np.array_equal(found1, expected)

    sample = slice(0, BASELINE_POINTS)
    loop_s, loop_found = best_of(1, plain_loop, index, lng[sample], lat[sample])
    assert np.array_equal(np.array(loop_found), found[sample])
    loop_rate = BASELINE_POINTS / loop_s

    rows = [
        ("micro-grids in the layer", f"{len(index):,}"),
        ("layer generation (not the index)", f"{generate_s:.1f} s"),
        ("index build from WKB", f"{build_s:.2f} s"),
        ("random points in province bbox", f"{POINTS:,} ({(found >= 0).mean():.1%} inside)"),
        (f"batch locate_many, {os.cpu_count()} threads", f"{POINTS / batch_s:,.0f} points/s"),
        ("batch locate_many, 1 thread", f"{POINTS / batch1_s:,.0f} points/s"),
        ("shapely STRtree.query(intersects)", f"{POINTS / strtree_s:,.0f} points/s"),
        (f"plain Python loop ({BASELINE_POINTS:,} pts)", f"{loop_rate:,.0f} points/s"),
        ("batch / plain loop", f"{POINTS / batch_s / loop_rate:,.0f}×"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
