"""Verify and decide 1,000,000 households in one vectorised batch (polars), against the same
work one household at a time on a 10,000-household sample.

Run: PYTHONPATH=src /work/main/.venv/bin/python bench/assistance.py [--households N] [--sample N]
The batch joins every member's findings from all nine sources, sums them per household,
compares them with the declarations and applies every programme's rule. Peak memory is the
process's maximum resident size after generating the data and after the batch.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup() -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=10_000)
    args = parser.parse_args()
    _setup()
    import polars as pl

    from civicgrid.assistance import batch, synthetic

    started = time.perf_counter()
    world = synthetic.generate(args.households)
    generated = time.perf_counter() - started
    after_generate = peak_mib()
    started = time.perf_counter()
    result = batch.verify_and_decide(
        world.households, world.members, world.declared, world.findings,
        world.thresholds, world.rules,
    )  # fmt: skip
    batch_s = time.perf_counter() - started
    after_batch = peak_mib()
    sample = list(range(min(args.sample, args.households)))
    started = time.perf_counter()
    synthetic.loop_decide(world, sample)
    loop_s = time.perf_counter() - started
    batch_per_hh = batch_s / args.households
    loop_per_hh = loop_s / len(sample)
    totals = result.totals()
    rows = [
        ("households", f"{args.households:,}"),
        ("members", f"{world.members.height:,}"),
        ("source findings", f"{world.findings.height:,}"),
        ("declared items", f"{world.declared.height:,}"),
        ("generate data (s)", f"{generated:.1f}"),
        ("batch verify + decide (s)", f"{batch_s:.2f}"),
        ("peak RSS after generating (MiB)", f"{after_generate:,.0f}"),
        ("peak RSS after the batch (MiB)", f"{after_batch:,.0f}"),
        (f"loop on {len(sample):,} households (s)", f"{loop_s:.2f}"),
        ("loop µs / household", f"{loop_per_hh * 1e6:.0f}"),
        ("batch µs / household", f"{batch_per_hh * 1e6:.2f}"),
        ("batch speed-up over the loop", f"{loop_per_hh / batch_per_hh:.0f}×"),
        ("households with differences", f"{int((result.households['differences'] > 0).sum()):,}"),
        ("eligible for 低保", f"{totals['e_dibao']:,}"),
        ("money per month (yuan)", f"{int(result.households['total_monthly'].sum()) // 100:,}"),
        ("polars threads", str(pl.thread_pool_size())),
    ]
    width = max(len(k) for k, _v in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
