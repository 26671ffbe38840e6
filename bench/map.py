"""The command centre's map endpoint for a district with 50,000 open cases, on PostgreSQL.

Run: PYTHONPATH=src /work/main/.venv/bin/python bench/map.py [--cases 50000] [--requests 100]
     [--keep] [--reuse]

Goal (issue #5): < 100 ms and < 1 MB per answer, by clustering on the server.

A database civicgrid_bench_map is created for the run (dropped afterwards unless --keep;
--reuse measures again against a kept one). The world: Jiangsu's divisions, synthetic
boundaries, grids and micro-grids for 栖霞区 (320113); then N open cases bulk-inserted at
uniform random points of the district's micro-grids (flows + incidents, real categories, a mix
of states, 2 % emergencies, 15 % overdue), 300 grid workers' positions and 500 resources. The
endpoint is asked through Django's test client (middleware, session, JSON rendering included)
as the district's county operator, for views a 900×800-pixel map would show: the whole
district at the zoom that fits it, a town at its fitting zoom (a random town each request),
and a street (zoom 16) around a random micro-grid. Each view is asked with every layer (what
the page asks) and with cases only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DISTRICT = "320113"
SEED = 2026
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "civicgrid_bench_map"
PG_BENCH = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
MAP_PX = (900, 800)
STATES = ["reported", "registered", "dispatched", "handling", "handled"]
STATE_WEIGHTS = [10, 25, 20, 35, 10]


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


# --- the world --------------------------------------------------------------------------------


def setup_world(cases: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from civicgrid.demo.management.commands.demo import ensure_grids
    from civicgrid.events.categories import load_defaults
    from civicgrid.regions.generation import synthesize_boundaries
    from civicgrid.regions.importing import import_divisions

    out: dict[str, Any] = {}
    started = time.perf_counter()
    with scopes_disabled():
        call_command("migrate", verbosity=0)
        import_divisions()
        synthesize_boundaries(root_code="32", seed=SEED)
        grids = ensure_grids(DISTRICT, SEED)
        load_defaults()
        out["microgrids"] = sum(g.microgrids for g in grids)
        out["setup_s"] = time.perf_counter() - started
        started = time.perf_counter()
        out["cases"] = _insert_cases(cases)
        out["insert_s"] = time.perf_counter() - started
        _people_and_resources()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return out


def _points_in_district(n: int, rng: Any) -> tuple[list[float], list[float], list[str]]:
    """`n` uniform random points inside the district's micro-grids, with the micro-grid codes."""
    import numpy as np
    import shapely

    from civicgrid.regions.locate import get_index
    from civicgrid.regions.models import Region

    district = Region.all_objects.get(code=DISTRICT)
    west, south, east, north = shapely.bounds(shapely.from_wkb(bytes(district.boundary or b"")))
    index = get_index()
    lngs: list[float] = []
    lats: list[float] = []
    codes: list[str] = []
    while len(codes) < n:
        x = rng.uniform(west, east, n * 2)
        y = rng.uniform(south, north, n * 2)
        found = index.locate_many(x, y)
        for i in np.flatnonzero(found >= 0).tolist():
            code = index.codes[int(found[i])]
            if code.startswith(DISTRICT):
                lngs.append(float(x[i]))
                lats.append(float(y[i]))
                codes.append(code)
    return lngs[:n], lats[:n], codes[:n]


def _insert_cases(n: int) -> int:
    import numpy as np
    from django.db import transaction
    from django.utils import timezone

    from civicgrid.events.models import Category, Incident
    from civicgrid.workflow.models import Flow

    rng = np.random.default_rng(SEED)
    pick = random.Random(SEED)
    lngs, lats, codes = _points_in_district(n, rng)
    subclasses = list(Category.objects.filter(parent__isnull=False).values_list("code", "priority"))
    now = timezone.now()
    batch = 5_000
    for first in range(0, n, batch):
        rows = range(first, min(n, first + batch))
        flows = []
        facts = []
        for i in rows:
            state = pick.choices(STATES, STATE_WEIGHTS)[0]
            category, base_priority = pick.choice(subclasses)
            priority = 2 if pick.random() < 0.02 else max(base_priority, int(pick.random() < 0.1))
            reported = now - timedelta(minutes=pick.randint(5, 14 * 24 * 60))
            # The current stage: 4–48 hours; 15 % past its deadline (the sweep marked them),
            # the others due within the stage's length, "due soon" in its last fifth.
            hours = pick.choice([4, 8, 24, 48])
            overdue = pick.random() < 0.15
            if overdue:
                due = now - timedelta(minutes=pick.randint(10, 48 * 60))
            else:
                due = now + timedelta(minutes=pick.randint(10, hours * 60))
            soon = due - timedelta(hours=hours / 5)
            flows.append(
                Flow(
                    workflow="incident", state=state, region_id=codes[i], category=category,
                    priority=priority, stage_started_at=due - timedelta(hours=hours), due_at=due,
                    due_soon_at=soon, overdue=overdue, created_at=reported,
                    updated_at=reported,
                )
            )  # fmt: skip
            facts.append((i, category, priority, reported))
        with transaction.atomic():
            made = Flow.all_objects.bulk_create(flows)
            Incident.all_objects.bulk_create(
                Incident(
                    number=f"BM{i:08d}",
                    flow=flow,
                    category_id=category,
                    priority=priority,
                    description="基准测试案件",
                    lng=lngs[i],
                    lat=lats[i],
                    region_id=codes[i],
                    desk_id=codes[i][:12],
                    level=0,
                    source="grid_worker",
                    reported_at=reported,
                )
                for flow, (i, category, priority, reported) in zip(made, facts, strict=True)
            )
    return n


def _people_and_resources() -> None:
    import numpy as np

    from civicgrid.accounts.models import User
    from civicgrid.accounts.roles import Role
    from civicgrid.accounts.services import create_user
    from civicgrid.events.models import FieldPosition
    from civicgrid.regions.levels import Level
    from civicgrid.regions.models import Region
    from civicgrid.resources.models import Kind, Resource

    rng = np.random.default_rng(SEED + 1)
    create_user(
        username="bench_county", password="Bench-Password-2026", role=Role.COUNTY_OPERATOR,
        region_code=DISTRICT,
    )  # fmt: skip
    grids = list(
        Region.all_objects.filter(code__startswith=DISTRICT, level=Level.GRID).values_list(
            "code", flat=True
        )
    )
    lngs, lats, codes = _points_in_district(800, rng)
    workers = User.objects.bulk_create(
        User(username=f"bench_w{i}", password="!", role=Role.GRID_WORKER, region_id=grids[i])
        for i in range(min(300, len(grids)))
    )
    FieldPosition.objects.bulk_create(
        FieldPosition(user=w, lng=lngs[i], lat=lats[i]) for i, w in enumerate(workers)
    )
    kinds = list(Kind.values)
    Resource.all_objects.bulk_create(
        Resource(
            kind=kinds[i % len(kinds)],
            name=f"资源{i}",
            lng=lngs[300 + i],
            lat=lats[300 + i],
            region_id=codes[300 + i],
            contact_phone="13912345678",
        )
        for i in range(500)
    )


# --- the measurements -------------------------------------------------------------------------


def _fit_zoom(west: float, south: float, east: float, north: float) -> int:
    """The zoom at which a 900×800-pixel map shows the whole box (Web Mercator, roughly)."""
    lat = math.radians((south + north) / 2)
    zx = math.log2(MAP_PX[0] * 360 / (256 * (east - west)))
    zy = math.log2(MAP_PX[1] * 360 * math.cos(lat) / (256 * (north - south)))
    return max(0, math.floor(min(zx, zy)))


def _view_at(lng: float, lat: float, zoom: int) -> tuple[float, float, float, float]:
    half_w = MAP_PX[0] / 2 * 360 / (256 * 2**zoom)
    half_h = MAP_PX[1] / 2 * 360 * math.cos(math.radians(lat)) / (256 * 2**zoom)
    return lng - half_w, lat - half_h, lng + half_w, lat + half_h


def measure(requests: int) -> dict[str, Any]:
    import shapely
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django_scopes import scope, scopes_disabled

    from civicgrid.accounts.models import User
    from civicgrid.events import loop
    from civicgrid.events.models import Incident
    from civicgrid.regions.levels import Level
    from civicgrid.regions.models import Region

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    pick = random.Random(SEED)
    with scopes_disabled():
        user = User.objects.get(username="bench_county")
        district = shapely.bounds(
            shapely.from_wkb(bytes(Region.all_objects.get(code=DISTRICT).boundary or b""))
        )
        towns = [
            shapely.bounds(shapely.from_wkb(bytes(b or b"")))
            for b in Region.all_objects.filter(
                code__startswith=DISTRICT, level=Level.TOWN, boundary__isnull=False
            ).values_list("boundary", flat=True)
        ]
        centres = list(
            Region.all_objects.filter(code__startswith=DISTRICT, level=Level.MICROGRID).values_list(
                "centroid_lng", "centroid_lat"
            )
        )
        open_cases = Incident.all_objects.filter(flow__state__in=loop.OPEN_STATES).count()
    client = Client()
    client.force_login(user)

    def district_view() -> tuple[tuple[float, ...], int]:
        w, s, e, n = district
        dx, dy = (e - w) * 0.05, (n - s) * 0.05
        jx, jy = pick.uniform(-dx, dx), pick.uniform(-dy, dy)
        return (w + jx, s + jy, e + jx, n + jy), _fit_zoom(*district)

    def town_view() -> tuple[tuple[float, ...], int]:
        box = pick.choice(towns)
        return box, _fit_zoom(*box)

    def street_view() -> tuple[tuple[float, ...], int]:
        lng, lat = pick.choice(centres)
        return _view_at(lng, lat, 16), 16

    views = {"district": district_view, "town": town_view, "street": street_view}
    out: dict[str, Any] = {
        "load_before": os.getloadavg()[0],
        "open_cases": open_cases,
        "district_zoom": _fit_zoom(*district),
        "vendor": connection.vendor,
    }
    # Every kind of request once per round, so that the machine's ups and downs (it is shared)
    # fall on all of them alike rather than on whichever ran during a busy minute.
    kinds: dict[str, Any] = {}
    for layers in ("cases,workers,resources", "cases"):
        for name, view in views.items():
            kinds[f"{name} [{layers}]"] = (view, layers)
    boards = {
        "board API": "/api/v1/command/board",
        "board: new-reports poll": "/command/board/new/",
    }
    samples: dict[str, dict[str, list[Any]]] = {
        k: {"times": [], "sizes": [], "shown": [], "zooms": []} for k in [*kinds, *boards]
    }
    for round_ in range(requests + 5):  # the first five warm the connection, caches and plans
        for key, (view, layers) in kinds.items():
            box, zoom = view()
            started = time.perf_counter()
            response = client.get("/api/v1/command/map", _params(box, zoom, layers))
            took = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.content[:300]
            if round_ < 5:
                continue
            cases = response.json()["cases"]
            sample = samples[key]
            sample["times"].append(took)
            sample["sizes"].append(len(response.content))
            sample["shown"].append((cases["mode"], len(cases["clusters"]) or len(cases["points"])))
            sample["zooms"].append(zoom)
        for key, path in boards.items():
            started = time.perf_counter()
            response = client.get(path)
            took = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.content[:300]
            if round_ >= 5:
                samples[key]["times"].append(took)
    for key, sample in samples.items():
        times = sorted(sample["times"])
        row: dict[str, Any] = {
            "p50_ms": statistics.median(times),
            "p95_ms": times[int(0.95 * (len(times) - 1))],
        }
        if sample["sizes"]:
            zooms = sample["zooms"]
            row |= {
                "zoom": "–".join(str(z) for z in sorted({min(zooms), max(zooms)})),
                "bytes_p50": int(statistics.median(sample["sizes"])),
                "bytes_max": max(sample["sizes"]),
                "mode": "/".join(sorted({m for m, _ in sample["shown"]})),
                "items_max": max(n for _, n in sample["shown"]),
            }
        out[key] = row
    out["load_after"] = os.getloadavg()[0]
    # What the map would cost without clustering: every open case of the district as a point.
    with scope(region=DISTRICT):
        started = time.perf_counter()
        rows = list(
            Incident.objects.filter(
                region__code__startswith=DISTRICT, flow__state__in=loop.OPEN_STATES
            ).values("number", "lng", "lat", "flow__state", "category_id", "priority",
                     "flow__overdue")
        )  # fmt: skip
        body = json.dumps(rows, ensure_ascii=False).encode()
        out["all_points"] = {"ms": (time.perf_counter() - started) * 1000, "bytes": len(body)}
    return out


def _params(box: tuple[float, ...], zoom: int, layers: str) -> dict[str, str]:
    return {"bbox": ",".join(f"{v:.6f}" for v in box), "zoom": str(zoom), "layers": layers}


# --- the driver -------------------------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    _django()
    result: dict[str, Any] = {}
    if not args.reuse:
        result["setup"] = setup_world(args.cases)
    result["measure"] = measure(args.requests)
    print(json.dumps(result))


def print_table(result: dict[str, Any]) -> None:
    m = result["measure"]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    if "setup" in result:
        s = result["setup"]
        print(
            f"world: {s['microgrids']:,} micro-grids in {DISTRICT}, setup {s['setup_s']:.0f} s; "
            f"{s['cases']:,} cases inserted in {s['insert_s']:.1f} s"
        )
    print(
        f"open cases: {m['open_cases']:,} ({m['vendor']}); district fits at zoom {m['district_zoom']}"
    )
    print(
        f"load average (1 min) before / after the requests: {m['load_before']:.1f} / "
        f"{m['load_after']:.1f} on {os.cpu_count()} cores"
    )
    print(f"\n{'view [layers]':<40}{'zoom':>5}{'p50 ms':>9}{'p95 ms':>9}{'bytes p50':>11}"
          f"{'bytes max':>11}  mode (max items)")  # fmt: skip
    for key, row in m.items():
        if not isinstance(row, dict) or "bytes_p50" not in row:
            continue
        print(
            f"{key:<40}{row['zoom']:>5}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
            f"{row['bytes_p50']:>11,}{row['bytes_max']:>11,}  {row['mode']} ({row['items_max']})"
        )
    for label in ("board API", "board: new-reports poll"):
        row = m[label]
        print(f"{label:<40}{'':>5}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}")
    a = m["all_points"]
    print(f"\nwithout clustering (all open cases as points, query + JSON): "
          f"{a['ms']:.0f} ms, {a['bytes']:,} bytes")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true", help="measure a kept database again")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if not args.reuse:
        _pg(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        _pg(f"CREATE DATABASE {BENCH_DB}")
    env = {
        **os.environ,
        "DATABASE_URL": PG_BENCH,
        "PYTHONPATH": str(ROOT / "src"),
        "CIVICGRID_DATA_DIR": os.environ.get("CIVICGRID_DATA_DIR", "/tmp/civicgrid-bench-map"),
    }
    cmd = [sys.executable, __file__, "--child", "--cases", str(args.cases),
           "--requests", str(args.requests), *(["--reuse"] if args.reuse else [])]  # fmt: skip
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            sys.stderr.write(done.stdout[-5000:] + done.stderr[-5000:])
            raise SystemExit("the benchmark failed")
        print_table(json.loads(done.stdout.strip().splitlines()[-1]))
    finally:
        if not args.keep:
            _pg(f"DROP DATABASE IF EXISTS {BENCH_DB}")


if __name__ == "__main__":
    main()
