"""The deadline job (`run_deadlines`) over 1,000,000 open incidents on PostgreSQL.

Run: PYTHONPATH=src /work/main/.venv/bin/python bench/deadlines.py [--rows N] [--keep]

A database is created for the run and dropped afterwards (PG_URL, default the local postgres).
Incidents and their flows are loaded with COPY, with realistic shares at "now": about 1 % fell
due since the last run (newly overdue), about 2 % are due soon, the rest are on time. Then the
whole job runs once, end to end (sweep, warnings, escalations, chasing), and again a minute
later, when only what fell due in that minute is left. Each phase is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
BENCH_DB = "civicgrid_bench_deadlines"
# 10:00 in Nanjing on a Monday.
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
CHUNK = 100_000
TOWNS, COMMUNITIES_PER_TOWN = 10, 10
COUNTY = "320113"
# Open states and their shares; the stage each is in sets its length (default loop, hours).
STATES = ["reported", "registered", "dispatched", "handling", "handled"]
STATE_SHARES = [0.25, 0.15, 0.15, 0.40, 0.05]
STAGE_HOURS = {"reported": 1, "registered": 1, "dispatched": 1, "handling": 18, "handled": 3}
NEWLY_OVERDUE, DUE_SOON = 0.01, 0.02


def _setup_django(database_url: str) -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()
    # The job runs in `civicgrid worker`, which tunes the garbage collector once it has loaded.
    from civicgrid.core.collector import tune_garbage_collector

    tune_garbage_collector()


def _communities() -> list[str]:
    return [
        f"{COUNTY}{t:03d}{c:03d}"
        for t in range(1, TOWNS + 1)
        for c in range(1, COMMUNITIES_PER_TOWN + 1)
    ]


def _world() -> dict[str, int]:
    """Regions down to one micro-grid per community, desk staff and one grid worker each."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from civicgrid.accounts.models import User
    from civicgrid.accounts.roles import Role
    from civicgrid.events import categories
    from civicgrid.regions.levels import Level
    from civicgrid.regions.models import Region

    call_command("migrate", verbosity=0)
    categories.load_defaults()
    regions = [Region(code="32", name="江苏省", level=Level.PROVINCE)]
    regions += [Region(code="3201", name="南京市", level=Level.CITY, parent_id="32")]
    regions += [Region(code=COUNTY, name="栖霞区", level=Level.COUNTY, parent_id="3201")]
    users = [User(username="county", role=Role.COUNTY_OPERATOR, region_id=COUNTY)]
    for t in range(1, TOWNS + 1):
        town = f"{COUNTY}{t:03d}"
        regions.append(Region(code=town, name=f"街道{t}", level=Level.TOWN, parent_id=COUNTY))
        users.append(User(username=f"town{t}", role=Role.TOWN_OPERATOR, region_id=town))
    worker_of = {}
    for code in _communities():
        grid, micro = code + "001", code + "001001"
        regions += [
            Region(code=code, name=f"社区{code[-6:]}", level=Level.COMMUNITY, parent_id=code[:9]),
            Region(code=grid, name="第1网格", level=Level.GRID, parent_id=code),
            Region(code=micro, name="第1微网格", level=Level.MICROGRID, parent_id=grid),
        ]
        users.append(User(username=f"staff{code}", role=Role.COMMUNITY_STAFF, region_id=code))
        worker = User(username=f"grid{code}", role=Role.GRID_WORKER, region_id=grid)
        users.append(worker)
        worker_of[code] = worker
    Region.all_objects.bulk_create(regions)
    password = make_password(None)
    for user in users:
        user.password = password
    User.objects.bulk_create(users)
    return {code: w.pk for code, w in worker_of.items()}


def _stamps(seconds: np.ndarray) -> list[str]:
    text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    return [t.replace("T", " ") + "+00" for t in text.tolist()]


def _chunks(rows: int, seed: int = 29) -> Iterator[dict[str, Any]]:
    """Columns of `CHUNK` cases at a time, vectorised."""
    rng = np.random.default_rng(seed)
    now_s = int(NOW.timestamp())
    communities = _communities()
    for first in range(0, rows, CHUNK):
        n = min(CHUNK, rows - first)
        state = rng.choice(len(STATES), n, p=STATE_SHARES)
        length = np.array([STAGE_HOURS[s] * 3600 for s in STATES])[state]
        kind = rng.random(n)
        # Newly overdue: fell due within the last hour. Due soon: past 80 % of the stage, not
        # yet due. On time: the rest, each somewhere before 80 % of its stage.
        lag = rng.random(n)
        due = np.where(
            kind < NEWLY_OVERDUE,
            now_s - (lag * 3600).astype(np.int64) - 1,
            np.where(
                kind < NEWLY_OVERDUE + DUE_SOON,
                now_s + 1 + (lag * 0.2 * length).astype(np.int64) // 1,
                now_s
                + (0.2 * length).astype(np.int64)
                + 1
                + (lag * 0.79 * length).astype(np.int64),
            ),
        )
        started = due - length
        soon = started + (0.8 * length).astype(np.int64)
        yield {
            "first": first,
            "n": n,
            "state": [STATES[s] for s in state.tolist()],
            "community": [communities[c] for c in rng.integers(0, len(communities), n).tolist()],
            "category": np.where(rng.random(n) < 0.9, "0101", "0501").tolist(),
            "started": _stamps(started),
            "due": _stamps(due),
            "soon": _stamps(soon),
        }


def _defaults(model: Any, given: set[str]) -> dict[str, Any]:
    """A constant value for every column not generated per row (the model's defaults)."""
    from django.db import models

    out = {}
    for field in model._meta.concrete_fields:
        if field.column in given:
            continue
        if field.has_default():
            value = field.get_default()
            out[field.column] = json.dumps(value) if isinstance(field, models.JSONField) else value
        elif field.null:
            out[field.column] = None
        else:
            out[field.column] = ""
    return out


def _load(rows: int, worker_of: dict[str, int]) -> float:
    from django.db import connection, transaction

    from civicgrid.events.models import Incident
    from civicgrid.workflow.models import Flow

    started = time.perf_counter()
    created = NOW.strftime("%Y-%m-%d %H:%M:%S+00")
    flow_cols = ["id", "workflow", "state", "version", "region_id", "category", "priority",
                 "stage_started_at", "due_at", "due_soon_at", "overdue", "created_at",
                 "updated_at"]  # fmt: skip
    flow_rest = _defaults(Flow, set(flow_cols))
    inc_cols = ["id", "number", "flow_id", "category_id", "priority", "description", "region_id",
                "desk_id", "level", "source", "reporter_id", "responsible_worker_id",
                "handler_kind", "handler_user_id", "reported_at"]  # fmt: skip
    inc_rest = _defaults(Incident, set(inc_cols))
    flow_all = flow_cols + list(flow_rest)
    inc_all = inc_cols + list(inc_rest)
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        for table, columns, make in (
            ("workflow_flow", flow_all, "flow"),
            ("events_incident", inc_all, "incident"),
        ):
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for chunk in _chunks(rows):
                    for i in range(chunk["n"]):
                        pk = chunk["first"] + i + 1
                        state, community = chunk["state"][i], chunk["community"][i]
                        micro = community + "001001"
                        if make == "flow":
                            priority = 1 if chunk["category"][i] == "0501" else 0
                            copy.write_row(
                                (pk, "incident", state, 1, micro, chunk["category"][i],
                                 priority, chunk["started"][i], chunk["due"][i],
                                 chunk["soon"][i], False, created, created,
                                 *flow_rest.values())
                            )  # fmt: skip
                            continue
                        worker = worker_of[community]
                        with_handler = state in ("dispatched", "handling")
                        copy.write_row(
                            (pk, f"E{pk:015d}", pk, chunk["category"][i],
                             1 if chunk["category"][i] == "0501" else 0, "路边堆放生活垃圾",
                             micro, community, 0, "grid_worker", worker, worker,
                             "worker" if with_handler else "",
                             worker if with_handler else None, created,
                             *inc_rest.values())
                        )  # fmt: skip
        for table in ("workflow_flow", "events_incident"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {rows + 1}, false)"
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        # The load wrote about a gigabyte of WAL: let the checkpoint it calls for happen now,
        # not in the middle of the timed runs.
        cursor.execute("CHECKPOINT")
    return time.perf_counter() - started


PHASES = ("sweep_deadlines", "_overdue_batch", "_chase_batch", "_warn_batch")


def _time_phases(phases: dict[str, float]) -> None:
    """Wrap the job's phases (once) so that each call adds its seconds to `phases`."""
    from civicgrid.events.services import deadlines

    for name in PHASES:
        module = deadlines.flows if name == "sweep_deadlines" else deadlines
        original: Callable[..., Any] = getattr(module, name)

        def wrapper(*args: Any, _original=original, _name=name, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                phases[_name] = phases.get(_name, 0.0) + time.perf_counter() - started

        setattr(module, name, wrapper)


def _run(now: datetime, phases: dict[str, float]) -> dict[str, Any]:
    from civicgrid.core.actor import acting_as
    from civicgrid.events.services import deadlines

    phases.clear()
    started = time.perf_counter()
    with acting_as(label="bench:deadlines"):
        report = deadlines.run_deadlines(now=now)
    total = time.perf_counter() - started
    return {"total": total, "phases": dict(phases), "report": report.__dict__}


def _counts() -> dict[str, int]:
    from civicgrid.events.models import Incident, Whistle
    from civicgrid.notifications.models import Notification
    from civicgrid.workflow.models import Flow

    return {
        "overdue_flows": Flow.all_objects.filter(overdue=True).count(),
        "town_or_county": Incident.all_objects.filter(level__gt=0).count(),
        "whistles": Whistle.objects.count(),
        "notifications": Notification.objects.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--batch", type=int, help="cases per batch (default: the job's own)")
    parser.add_argument("--load-only", action="store_true", help="load, keep, run nothing")
    args = parser.parse_args()
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")
    try:
        _setup_django(f"{PG_URL}/{BENCH_DB}")
        worker_of = _world()
        load_s = _load(args.rows, worker_of)
        if args.load_only:
            args.keep = True
            print(f"loaded in {load_s:.1f} s into {BENCH_DB}")
            return
        phases: dict[str, float] = {}
        _time_phases(phases)
        if args.batch:
            from civicgrid.events.services import deadlines

            deadlines.BATCH = args.batch
        first = _run(NOW, phases)
        after_first = _counts()
        later = _run(NOW + timedelta(minutes=1), phases)
        _print(args.rows, load_s, first, after_first, later)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")


def _print(rows: int, load_s: float, first: dict, counts: dict, later: dict) -> None:
    print(f"deadline job over {rows:,} open incidents, PostgreSQL (goal: < 10 s)\n")
    from django.conf import settings

    print(f"load (COPY, flows + incidents): {load_s:.1f} s\n")
    print(
        f"phases: seconds summed over the job's {settings.EVENTS_DEADLINE_CONNECTIONS} connections"
        " (EVENTS_DEADLINE_CONNECTIONS), so together more than the total\n"
    )
    print(f"{'run':<16} {'total':>8} {'sweep':>7} {'overdue':>8} {'warn':>7} {'chase':>7}"
          f" {'marked':>8} {'escal.':>7} {'told':>6} {'warned':>7}")  # fmt: skip
    for label, run in (("first (cold)", first), ("a minute later", later)):
        p, r = run["phases"], run["report"]
        print(
            f"{label:<16} {run['total']:>6.2f} s {p.get('sweep_deadlines', 0):>5.2f} s"
            f" {p.get('_overdue_batch', 0):>6.2f} s {p.get('_warn_batch', 0):>5.2f} s"
            f" {p.get('_chase_batch', 0):>5.2f} s {r['marked_overdue']:>8,}"
            f" {r['escalated']:>7,} {r['overdue_notified']:>6,} {r['warned']:>7,}"
        )
    print(f"\nafter the first run: {json.dumps(counts)}")


if __name__ == "__main__":
    main()
