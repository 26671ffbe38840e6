"""`civicgrid backup` and `civicgrid restore` of the city-scale register on PostgreSQL.

Run: /work/main/.venv/bin/python bench/backup.py [--keep]

Loads Nanjing's register into a database named civicgrid_bench (bench/people.py's setup and load
phases), backs it up with `civicgrid backup` (pg_dump, custom format) while nothing else runs,
restores the archive into an empty database civicgrid_bench_restore, and checks that the resident
and household counts match. Both databases are dropped afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from people import _pg, run_phase  # noqa: E402  (bench/people.py: the city-scale register)

PG = "postgres://postgres@127.0.0.1:5432/{name}"


def _civicgrid(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "civicgrid.cli", *args], env=env, check=True, cwd=ROOT)
    return time.perf_counter() - started


def _count(name: str, table: str) -> int:
    import psycopg

    with psycopg.connect(PG.format(name=name)) as conn:
        row = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep both databases")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="civicgrid-bench-backup-"))
    env = {**os.environ, "CIVICGRID_DATA_DIR": str(work), "PYTHONPATH": str(ROOT / "src"),
           "DATABASE_URL": PG.format(name="civicgrid_bench"), "LOG_LEVEL": "WARNING"}  # fmt: skip
    for name in ("civicgrid_bench", "civicgrid_bench_restore"):
        _pg(f"DROP DATABASE IF EXISTS {name}")
        _pg(f"CREATE DATABASE {name}")
    try:
        run_phase("setup", env, 0)
        run_phase("load", env, 0)
        archive = work / "city.tar"
        backup_s = _civicgrid(["backup", "--output", str(archive)], env)
        restore_env = {**env, "DATABASE_URL": PG.format(name="civicgrid_bench_restore")}
        restore_s = _civicgrid(["restore", str(archive)], restore_env)
        residents = _count("civicgrid_bench", "people_resident")
        restored = _count("civicgrid_bench_restore", "people_resident")
        households = _count("civicgrid_bench_restore", "people_household")
        assert restored == residents, (restored, residents)
        with __import__("psycopg").connect(PG.format(name="civicgrid_bench")) as conn:
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        print()
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {date.today()}")
        print(f"{'residents / households':<34}{residents:>14,} / {households:,}")
        print(f"{'database size (MB)':<34}{(size[0] if size else 0) / 1e6:>14.0f}")
        print(f"{'archive size (MB)':<34}{archive.stat().st_size / 1e6:>14.0f}")
        print(f"{'civicgrid backup (s)':<34}{backup_s:>14.1f}")
        print(f"{'civicgrid restore, empty DB (s)':<34}{restore_s:>14.1f}")
    finally:
        if not args.keep:
            for name in ("civicgrid_bench", "civicgrid_bench_restore"):
                _pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
