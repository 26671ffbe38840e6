"""Loading Nanjing's synthetic population into SQLite and PostgreSQL, and searching it via the API.

Run: PYTHONPATH=src /work/main/.venv/bin/python bench/people.py [--backend sqlite|postgresql|both]
     [--keep] [--requests 200]

Each backend gets its own database (a temporary SQLite file; a PostgreSQL database named
civicgrid_bench, dropped afterwards unless --keep). Every phase runs in a child process so
`ru_maxrss` is the peak of that phase alone: setup (migrate, divisions, boundaries, grids for
3201), generation only (the loader's chunks, nothing written), the load (generation + writes),
and the searches (Django's test client signed in as a county operator scoped to 3201).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CITY = "3201"
SEED = 2026
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/civicgrid_bench"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


# --- phases (each in its own process, Django configured by the environment) -------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()


def phase_setup() -> dict[str, Any]:
    _django()
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from civicgrid.demo.management.commands.demo import ensure_grids
    from civicgrid.regions.generation import synthesize_boundaries
    from civicgrid.regions.importing import import_divisions

    out: dict[str, Any] = {}
    with scopes_disabled():
        out["migrate_s"] = _seconds(lambda: call_command("migrate", verbosity=0))
        out["divisions_s"] = _seconds(import_divisions)
        out["boundaries_s"] = _seconds(lambda: synthesize_boundaries(root_code="32", seed=SEED))
        grids: list[Any] = []
        out["grids_s"] = _seconds(lambda: grids.extend(ensure_grids(CITY, SEED)))
    out["microgrids"] = sum(g.microgrids for g in grids)
    out["households_planned"] = sum(g.households for g in grids)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def phase_generate() -> dict[str, Any]:
    """The loader's generation alone: the same chunks, nothing written."""
    _django()
    from django_scopes import scopes_disabled

    from civicgrid.people.loading import MICROGRIDS_PER_CHUNK, _empty_microgrids
    from civicgrid.people.population import generate_population

    with scopes_disabled():
        pairs = _empty_microgrids(CITY).pairs
    started = time.perf_counter()
    residents = 0
    for start in range(0, len(pairs), MICROGRIDS_PER_CHUNK):
        chunk = generate_population(pairs[start : start + MICROGRIDS_PER_CHUNK], seed=SEED)
        residents += chunk.n_residents
        del chunk
    return {
        "generate_s": time.perf_counter() - started,
        "residents": residents,
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_load() -> dict[str, Any]:
    _django()
    from django_scopes import scopes_disabled

    from civicgrid.people.loading import load_area

    with scopes_disabled():
        result = load_area(area_code=CITY, seed=SEED)
    return {
        "load_s": result.seconds,
        "load_generation_s": result.generation_seconds,
        "households": result.households,
        "residents": result.residents,
        "tags": result.tags,
        "id_numbers_moved": result.id_numbers_moved,
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_search(requests: int) -> dict[str, Any]:
    _django()
    import random

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django_scopes import scopes_disabled

    from civicgrid.accounts.models import User
    from civicgrid.accounts.roles import Role
    from civicgrid.accounts.services import create_user
    from civicgrid.people.models import Resident
    from civicgrid.regions.levels import Level
    from civicgrid.regions.models import Region

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    rng = random.Random(SEED)
    with scopes_disabled():
        user = User.objects.filter(username="bench_county").first() or create_user(
            username="bench_county",
            password="Bench-Password-2026",
            role=Role.COUNTY_OPERATOR,
            region_code=CITY,
        )
        towns = list(
            Region.all_objects.filter(code__startswith=CITY, level=Level.TOWN, households__gt=0)
            .order_by("code")
            .values_list("code", flat=True)
        )
        top = Resident.all_objects.order_by("-id").values_list("id", flat=True).first() or 0
        ids = [rng.randint(1, top) for _ in range(requests * 3)]
        numbers = list(
            Resident.all_objects.filter(id__in=ids).values_list("id_number", flat=True)[:requests]
        )
    client = Client()
    client.force_login(user)
    surnames = "王张陈李刘徐朱周吴孙"
    cases: dict[str, Callable[[int], tuple[str, dict[str, Any]]]] = {
        "search by ID number": lambda i: (
            "/api/v1/people/residents",
            {"id_number": numbers[i % len(numbers)]},
        ),
        "search by name prefix in a town": lambda i: (
            "/api/v1/people/residents",
            {"name": surnames[i % len(surnames)], "area": rng.choice(towns)},
        ),
        "count 80+ living alone in a town": lambda i: (
            "/api/v1/people/counts",
            {"tag": "living_alone", "min_age": 80, "area": rng.choice(towns)},
        ),
    }
    out: dict[str, Any] = {"towns": len(towns), "vendor": connection.vendor}
    for label, case in cases.items():
        for i in range(5):  # warm the caches and the connection
            client.get(*case(i))
        times = []
        for i in range(requests):
            path, params = case(i)
            started = time.perf_counter()
            response = client.get(path, params)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, params, response.content[:200])
        times.sort()
        out[label] = {
            "p50_ms": statistics.median(times),
            "p95_ms": times[int(0.95 * (len(times) - 1))],
        }
    return out


def _seconds(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


# --- the driver ---------------------------------------------------------------------------------


def run_phase(name: str, env: dict[str, str], requests: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--phase", name, "--requests", str(requests)]
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"phase {name} failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - started
    print(f"  {name}: {json.dumps(result, ensure_ascii=False)}", flush=True)
    return result


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


PHASES = ("setup", "generate", "load", "search")


def bench_backend(
    backend: str, requests: int, keep: bool, phases: list[str], data_dir: str
) -> dict[str, dict[str, Any]]:
    data_dir = data_dir or tempfile.mkdtemp(prefix="civicgrid-bench-")
    env = {**os.environ, "CIVICGRID_DATA_DIR": data_dir, "PYTHONPATH": str(ROOT / "src")}
    if backend == "postgresql":
        if "setup" in phases:  # otherwise: phases against a database kept by --keep
            _pg("DROP DATABASE IF EXISTS civicgrid_bench")
            _pg("CREATE DATABASE civicgrid_bench")
        env["DATABASE_URL"] = PG_BENCH
    else:
        env["DATABASE_URL"] = f"sqlite:///{data_dir}/bench.sqlite3"
    print(f"{backend} ({env['DATABASE_URL']})", flush=True)
    try:
        return {phase: run_phase(phase, env, requests) for phase in phases}
    finally:
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
            if backend == "postgresql":
                _pg("DROP DATABASE IF EXISTS civicgrid_bench")


def print_table(results: dict[str, dict[str, dict[str, Any]]]) -> None:
    print()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    backends = list(results)
    rows: list[tuple[str, Callable[[dict[str, dict[str, Any]]], str]]] = [
        ("micro-grids", lambda r: f"{r['setup']['microgrids']:,}"),
        ("households", lambda r: f"{r['load']['households']:,}"),
        ("residents", lambda r: f"{r['load']['residents']:,}"),
        ("tags", lambda r: f"{r['load']['tags']:,}"),
        ("ID numbers moved", lambda r: f"{r['load']['id_numbers_moved']:,}"),
        ("setup: migrate+divisions+boundaries+grids (s)", lambda r: f"{r['setup']['wall_s']:.0f}"),
        ("generation only (s)", lambda r: f"{r['generate']['generate_s']:.1f}"),
        ("generation only, peak RSS (MB)", lambda r: f"{r['generate']['peak_rss_mb']:.0f}"),
        ("load_area: generation + writes (s)", lambda r: f"{r['load']['load_s']:.1f}"),
        (
            "  of which writing (s)",
            lambda r: f"{r['load']['load_s'] - r['load']['load_generation_s']:.1f}",
        ),
        ("load_area, peak RSS (MB)", lambda r: f"{r['load']['peak_rss_mb']:.0f}"),
    ]
    for label in next(iter(results.values()))["search"]:
        if isinstance(next(iter(results.values()))["search"][label], dict):
            rows.append(
                (
                    f"{label}: p50 / p95 (ms)",
                    lambda r, k=label: (
                        f"{r['search'][k]['p50_ms']:.1f} / {r['search'][k]['p95_ms']:.1f}"
                    ),
                )
            )
    print(f"{'':<50}" + "".join(f"{b:>16}" for b in backends))
    for label, cell in rows:
        print(f"{label:<50}" + "".join(f"{cell(results[b]):>16}" for b in backends))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument(
        "--phases", default=",".join(PHASES), help="comma-separated subset, e.g. search"
    )
    parser.add_argument("--data-dir", default="", help="reuse a kept SQLite bench directory")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phases: dict[str, Callable[[], dict[str, Any]]] = {
            "setup": phase_setup,
            "generate": phase_generate,
            "load": phase_load,
            "search": lambda: phase_search(args.requests),
        }
        print(json.dumps(phases[args.phase]()))
        return
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    phases = args.phases.split(",")
    results = {
        b: bench_backend(b, args.requests, args.keep, phases, args.data_dir) for b in backends
    }
    if phases == list(PHASES):
        print_table(results)


if __name__ == "__main__":
    main()
