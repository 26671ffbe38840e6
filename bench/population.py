"""Generating a Nanjing-sized synthetic population (~50,000 micro-grids): time and peak memory.

Run: PYTHONPATH=src /work/main/.venv/bin/python bench/population.py [--microgrids 50000]
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from civicgrid.people.population import generate_population

# Nanjing's eleven districts (GB/T 2260).
NANJING_COUNTIES = (
    "320102", "320104", "320105", "320106", "320111", "320113",
    "320114", "320115", "320116", "320117", "320118",
)  # fmt: skip


def nanjing_microgrids(n: int) -> list[tuple[str, int]]:
    """`n` synthetic micro-grid codes under the real districts, 50–100 households each (≈75)."""
    out = []
    for i in range(n):
        county = NANJING_COUNTIES[i % len(NANJING_COUNTIES)]
        k = i // len(NANJING_COUNTIES)  # 4 micro-grids × 5 grids × 20 communities per town
        code = (
            f"{county}{1 + k // 400:03d}{1 + k // 20 % 20:03d}{1 + k // 4 % 5:03d}{1 + k % 4:03d}"
        )
        out.append((code, 50 + (i * 37) % 51))
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--microgrids", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    grids = nanjing_microgrids(args.microgrids)
    before = peak_rss_mb()
    start = time.perf_counter()
    pop = generate_population(grids, seed=args.seed, on=date(2026, 6, 1))
    seconds = time.perf_counter() - start
    columns_mb = (
        sum(
            getattr(pop, f).nbytes
            for f in pop.__dataclass_fields__
            if hasattr(getattr(pop, f), "nbytes")
        )
        / 2**20
    )

    print(f"machine: {platform.machine()} {platform.python_version()}, numpy population generator")
    print(f"{'micro-grids':<28}{args.microgrids:>14,}")
    print(f"{'households':<28}{pop.n_households:>14,}")
    print(f"{'residents':<28}{pop.n_residents:>14,}")
    print(f"{'ID numbers moved (clashes)':<28}{pop.id_numbers_moved:>14,}")
    print(f"{'generation time (s)':<28}{seconds:>14.1f}")
    print(f"{'result columns (MB)':<28}{columns_mb:>14.0f}")
    print(f"{'peak RSS before (MB)':<28}{before:>14.0f}")
    print(f"{'peak RSS after (MB)':<28}{peak_rss_mb():>14.0f}")


if __name__ == "__main__":
    main()
