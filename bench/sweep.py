"""The deadline sweep over 1,000,000 open cases, on a file SQLite database and on PostgreSQL.

Run: PYTHONPATH=src /work/main/.venv/bin/python bench/sweep.py [--rows N] [--backends sqlite,postgres]
Each backend runs in its own process (Django binds one database per process). PostgreSQL uses
a database created for the run and dropped afterwards (PG_URL, default the local postgres).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
BENCH_DB = "civicgrid_bench_sweep"
# 10:00 in Nanjing on a Monday; cases fall due from two days before to two weeks after it.
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
BATCH = 100_000
COLUMNS = (
    "workflow, state, version, region_id, category, priority, stage_started_at, due_at, "
    "due_soon_at, overdue, created_at, updated_at"
)
REGIONS = [f"320113002{n:03d}" for n in range(1, 101)]


def _setup_django(database_url: str) -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()


def _batches(rows: int, seed: int = 4):
    """Rows of open flows as tuples, BATCH at a time (vectorised, then zipped)."""
    rng = np.random.default_rng(seed)
    now_s = int(NOW.timestamp())
    for first in range(0, rows, BATCH):
        n = min(BATCH, rows - first)
        due = now_s + rng.integers(-2 * 86400, 14 * 86400, n)
        hours = rng.choice([8, 16, 40, 72], n)
        started = due - hours * 3600
        soon = due - (hours * 3600 // 5)  # due soon from 80 % of the stage
        state = rng.choice(["registered", "dispatched", "handled"], n)
        priority = rng.integers(0, 2, n)
        region = rng.integers(0, len(REGIONS), n)
        yield n, due, started, soon, state, priority, region


def _stamp(seconds: np.ndarray) -> list[str]:
    # Django's SQLite format ("YYYY-MM-DD HH:MM:SS", UTC); PostgreSQL reads it with the +00.
    text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    return [t.replace("T", " ") for t in text.tolist()]


def _rows(rows: int, tz_suffix: str):
    created = NOW.strftime("%Y-%m-%d %H:%M:%S") + tz_suffix
    for n, due, started, soon, state, priority, region in _batches(rows):
        yield n, [
            ("toy", s, 1, REGIONS[r], "", int(p), a + tz_suffix, d + tz_suffix,
             w + tz_suffix, False, created, created)
            for s, p, r, a, d, w in zip(
                state.tolist(), priority.tolist(), region.tolist(),
                _stamp(started), _stamp(due), _stamp(soon), strict=True,
            )
        ]  # fmt: skip


def _load(rows: int) -> float:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY workflow_flow ({COLUMNS}) FROM STDIN") as copy:
                for _n, batch in _rows(rows, "+00"):
                    for row in batch:
                        copy.write_row(row)
        else:
            sql = f"INSERT INTO workflow_flow ({COLUMNS}) VALUES ({', '.join(['%s'] * 12)})"
            for _n, batch in _rows(rows, ""):
                cursor.executemany(sql, batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def _regions() -> None:
    from django.core.management import call_command

    from civicgrid.regions.levels import Level
    from civicgrid.regions.models import Region

    call_command("migrate", verbosity=0)
    Region.all_objects.bulk_create(
        Region(code=code, name=f"社区{code[-3:]}", level=Level.COMMUNITY) for code in REGIONS
    )


def _timed_sweep(now: datetime) -> tuple[float, int, int]:
    from civicgrid.workflow.services import sweep_deadlines

    started = time.perf_counter()
    result = sweep_deadlines(now=now)
    return time.perf_counter() - started, result.marked_overdue, result.due_soon


def run_one(backend: str, rows: int) -> dict[str, object]:
    """Load the rows and sweep twice: cold (nothing marked yet), then ten minutes later."""
    load_s = _load(rows)
    cold = _timed_sweep(NOW)
    steady = _timed_sweep(NOW + timedelta(minutes=10))
    return {"backend": backend, "rows": rows, "load": load_s, "cold": cold, "steady": steady}


def _child(backend: str, rows: int) -> None:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="civicgrid-sweep-") as tmp:
            _setup_django(f"sqlite:///{tmp}/bench.sqlite3")
            _regions()
            print(json.dumps(run_one(backend, rows)))
        return
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")
    try:
        _setup_django(f"{PG_URL}/{BENCH_DB}")
        _regions()
        print(json.dumps(run_one(backend, rows)))
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.rows)
        return
    print(f"deadline sweep over {args.rows:,} open flows (goal: < 10 s)\n")
    print(f"{'backend':<10} {'load':>8} {'sweep':>7} {'marked':>9} {'due soon':>9}  case")
    for backend in args.backends.split(","):
        out = subprocess.run(
            [sys.executable, __file__, "--child", backend, "--rows", str(args.rows)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        for case in ("cold", "steady"):
            seconds, marked, soon = result[case]
            load = f"{result['load']:.1f} s" if case == "cold" else ""
            label = "first sweep" if case == "cold" else "10 min later"
            print(f"{backend:<10} {load:>8} {seconds:>5.2f} s {marked:>9,} {soon:>9,}  {label}")


if __name__ == "__main__":
    main()
