"""The audit retention job: archive (gzip + SHA-256), verify and remove old audit records.

Run: PYTHONPATH=src /work/main/.venv/bin/python bench/audit_retention.py [--rows N] [--backends sqlite,postgres]
Loads N records, half of them past AUDIT_RETENTION_DAYS, then runs one retention pass. Each
backend runs in its own process; PostgreSQL uses a database created for the run and dropped
afterwards (PG_URL, default the local postgres), with the append-only trigger installed.
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

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
BENCH_DB = "civicgrid_bench_audit"
NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
COLUMNS = (
    "at, actor_username, source_ip, action, object_type, object_id, object_repr, region_code, "
    "outcome, data"
)


def _setup_django(database_url: str, data_dir: str) -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]
    os.environ.update(DATABASE_URL=database_url, CIVICGRID_DATA_DIR=data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()


def _rows(rows: int, suffix: str):
    # Half the records a year old (past retention), half from yesterday.
    for n in range(rows):
        at = NOW - timedelta(days=365 if n % 2 == 0 else 1, seconds=n)
        yield (
            at.strftime("%Y-%m-%d %H:%M:%S") + suffix,
            f"user{n % 500:03d}",
            f"10.0.{n % 250}.{n % 200 + 1}",
            "people.resident.viewed_unmasked",
            "people.resident",
            str(n),
            f"居民{n}",
            f"320113002{n % 100:03d}",
            "ok",
            json.dumps({"field": "id_number", "reason": "核对低保申请"}, ensure_ascii=False),
        )


def _load(rows: int) -> float:
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY core_auditentry ({COLUMNS}) FROM STDIN") as copy:
                for row in _rows(rows, "+00"):
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO core_auditentry ({COLUMNS}) VALUES ({', '.join(['%s'] * 10)})"
            cursor.executemany(sql, _rows(rows, ""))
    return time.perf_counter() - started


def run_one(backend: str, rows: int, folder: Path) -> dict[str, object]:
    from civicgrid.core.models import AuditEntry
    from civicgrid.core.retention import archive_old_entries

    load_s = _load(rows)
    started = time.perf_counter()
    summary = archive_old_entries(now=NOW, folder=folder)
    seconds = time.perf_counter() - started
    size = (folder / str(summary["file"])).stat().st_size
    left = AuditEntry.objects.count()
    return {
        "backend": backend,
        "load": load_s,
        "seconds": seconds,
        "archived": summary["archived"],
        "left": left,
        "mb": size / 1e6,
    }


def _child(backend: str, rows: int) -> None:
    with tempfile.TemporaryDirectory(prefix="civicgrid-audit-") as tmp:
        folder = Path(tmp) / "archive"
        if backend == "sqlite":
            _setup_django(f"sqlite:///{tmp}/bench.sqlite3", tmp)
            print(json.dumps(run_one(backend, rows, folder)))
            return
        import psycopg

        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
            admin.execute(f"CREATE DATABASE {BENCH_DB}")
        try:
            _setup_django(f"{PG_URL}/{BENCH_DB}", tmp)
            print(json.dumps(run_one(backend, rows, folder)))
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
    print(f"audit retention: {args.rows:,} records, half past retention\n")
    print(
        f"{'backend':<10} {'load':>8} {'archive':>9} {'records/s':>10} {'archived':>9} {'kept':>9} {'file':>8}"
    )
    for backend in args.backends.split(","):
        out = subprocess.run(
            [sys.executable, __file__, "--child", backend, "--rows", str(args.rows)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        rate = r["archived"] / r["seconds"]
        print(
            f"{backend:<10} {r['load']:>6.1f} s {r['seconds']:>7.1f} s {rate:>10,.0f} "
            f"{r['archived']:>9,} {r['left']:>9,} {r['mb']:>5.1f} MB"
        )


if __name__ == "__main__":
    main()
