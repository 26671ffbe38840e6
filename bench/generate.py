"""Generating Jiangsu's grids and micro-grids: in memory for the province, and into SQLite.

Run: PYTHONPATH=src /work/main/.venv/bin/python bench/generate.py [--db-area CODE]
(--db-area defaults to the stand-in city with the most communities; "none" skips the DB part.)
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_db_dir = tempfile.mkdtemp(prefix="civicgrid-bench-")
os.environ["DATABASE_URL"] = f"sqlite:///{_db_dir}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

from bench.standin import standin_nodes  # noqa: E402
from civicgrid.regions.generation import generate_grids, synthesize_boundaries  # noqa: E402
from civicgrid.regions.layout import layout_grids, official_boundaries  # noqa: E402
from civicgrid.regions.levels import LEVEL_BY_LENGTH, parent_code  # noqa: E402
from civicgrid.regions.locate import get_index  # noqa: E402
from civicgrid.regions.models import Region  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def timed(rows: list[tuple[str, str]], label: str, func, *args, **kwargs):
    started = time.perf_counter()
    result = func(*args, **kwargs)
    rows.append((label, f"{time.perf_counter() - started:.1f} s"))
    return result


def in_memory(rows: list[tuple[str, str]]) -> None:
    nodes = standin_nodes()
    boundaries = timed(
        rows, "official boundaries (province → communities)", official_boundaries, nodes, seed=1
    )
    communities = sorted(code for code in boundaries if len(code) == 12)
    geoms = np.array([boundaries[c] for c in communities], dtype=object)
    layout = timed(
        rows,
        f"grids + micro-grids of {len(communities):,} communities",
        layout_grids,
        communities,
        geoms,
        seed=1,
    )
    rows.append(
        ("grids / micro-grids", f"{len(layout.grid_codes):,} / {len(layout.micro_codes):,}")
    )
    rows.append(("households (sum of micro-grids)", f"{int(layout.micro_households.sum()):,}"))
    rows.append(("peak RSS after province layout", f"{peak_rss_mb():,.0f} MB"))
    del layout
    # tracemalloc sees the Python/numpy heap only (GEOS allocates outside it), and slows runs.
    tracemalloc.start()
    layout_grids(communities[:2000], geoms[:2000], seed=1)
    rows.append(
        (
            "tracemalloc peak, 2,000 communities",
            f"{tracemalloc.get_traced_memory()[1] / 2**20:,.0f} MB",
        )
    )
    tracemalloc.stop()


def into_sqlite(rows: list[tuple[str, str]], area: str | None) -> None:
    call_command("migrate", verbosity=0)
    nodes = standin_nodes()
    with scopes_disabled():
        Region.all_objects.bulk_create(
            (
                Region(
                    code=n.code,
                    name=n.code,
                    level=LEVEL_BY_LENGTH[len(n.code)],
                    parent_id=parent_code(n.code),
                    centroid_lng=n.lng,
                    centroid_lat=n.lat,
                )
                for n in nodes
            ),
            batch_size=2000,
        )
        if area is None:
            per_city: dict[str, int] = {}
            for n in nodes:
                if len(n.code) == 12:
                    per_city[n.code[:4]] = per_city.get(n.code[:4], 0) + 1
            area = max(per_city, key=lambda c: per_city[c])
        timed(
            rows,
            "SQLite: synthesize_boundaries(root_code='32')",
            synthesize_boundaries,
            root_code="32",
            seed=1,
        )
        result = timed(
            rows,
            f"SQLite: generate_grids(area_code='{area}')",
            generate_grids,
            area_code=area,
            seed=1,
        )
        rows.append(
            (
                "  rows written",
                f"{result.communities:,} communities → {result.grids:,} grids, "
                f"{result.microgrids:,} micro-grids",
            )
        )
        timed(
            rows,
            "SQLite: same area again (replaces its grids)",
            generate_grids,
            area_code=area,
            seed=1,
        )
        index = timed(rows, "SQLite: get_index() (load micro-grids + build)", get_index)
        rows.append(("  micro-grids in the index", f"{len(index):,}"))
    rows.append(("peak RSS", f"{peak_rss_mb():,.0f} MB"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db-area", default=None, help="area code for the SQLite part, or 'none'")
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []
    in_memory(rows)
    if args.db_area != "none":
        into_sqlite(rows, args.db_area)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
