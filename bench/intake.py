"""Intake through the HTTP API: reports per second and latency, on PostgreSQL, under `serve`.

Run: .venv/bin/python bench/intake.py [--connections 16,32,64] [--warmup 30] [--duration 60]
     [--workers N] [--threads N] [--photo] [--no-redis] [--keep]

What it does, with a fresh PostgreSQL database `civicgrid_bench_intake` (PG_URL, default the
local postgres; dropped at the end unless --keep):
1. setup, in a child process: migrate; the divisions of Jiangsu, synthetic boundaries and the
   grids of 栖霞区 (320113, as the demo builds them, without the population); the default
   categories; one grid worker per grid, each signed in (a session in the database, as a login
   leaves it); 20,000 random points inside the district's micro-grids;
2. `civicgrid serve` against that database, as production runs it (sessions in Redis when one
   answers at --redis, default redis://127.0.0.1:6379/15; else in the database);
3. for each connection count, `wrk` (a separate process, on loopback) first warms up, then
   measures: multipart POSTs to /api/v1/events/reports with a worker's session cookie, the CSRF
   cookie and header, a category without a required photo, a point, and a fresh idempotency key;
4. a check in the database: every 201 the load generator saw is an incident, and every incident
   has its flow and its "created" timeline entry; the only extra incidents are requests wrk
   abandoned in flight when its time was up (at most one per connection and run). Then the
   counts the reports left waiting for the command centre are folded into its rollups, as the
   worker's periodic fold does (its CPU time is printed: it belongs to the intake's cost), and
   the rollups must count every stored report.

Each row also shows the CPU milliseconds per request of the server's processes, of PostgreSQL's
backends for the bench database and of wrk, and the load average: on a shared machine the
throughput moves with the neighbours, the CPU per request much less.

Reports carry no photos: re-encoding a photo is CPU-bound work of its own. `--photo` adds one
~100 KB JPEG to every report (and uses categories that require one) to show that cost.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
BENCH_DB = "civicgrid_bench_intake"
DISTRICT = "320113"
SEED = 2026
POINTS = 20_000
PASSWORD = "Bench-Intake-2026"


# --- setup (child process, Django bound to the bench database) --------------------------------


def _django(database_url: str) -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()


def phase_setup(database_url: str, data_file: Path, photo: bool) -> dict[str, Any]:
    _django(database_url)
    import numpy as np
    import shapely
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.base import SessionBase
    from django.core.management import call_command
    from django.middleware.csrf import _get_new_csrf_string
    from django.utils.module_loading import import_string
    from django_scopes import scopes_disabled

    from civicgrid.accounts.models import User
    from civicgrid.accounts.roles import Role
    from civicgrid.demo.management.commands.demo import ensure_grids
    from civicgrid.events.categories import load_defaults
    from civicgrid.events.models import Category
    from civicgrid.regions.generation import synthesize_boundaries
    from civicgrid.regions.importing import import_divisions
    from civicgrid.regions.levels import Level
    from civicgrid.regions.models import Region

    out: dict[str, Any] = {}
    started = time.perf_counter()
    with scopes_disabled():
        call_command("migrate", verbosity=0)
        import_divisions()
        synthesize_boundaries(root_code="32", seed=SEED)
        ensure_grids(DISTRICT, SEED)
        load_defaults()
        grids = list(
            Region.all_objects.filter(code__startswith=DISTRICT, level=Level.GRID)
            .order_by("code")
            .values_list("code", flat=True)
        )
        # One password hash for all: hashing is slow on purpose, and nobody signs in with it.
        hashed = make_password(PASSWORD)
        User.objects.bulk_create(
            User(
                username=f"bench_grid_{code}",
                first_name=f"网格员{code[-6:]}",
                role=Role.GRID_WORKER,
                region_id=code,
                password=hashed,
            )
            for code in grids
        )
        users = list(User.objects.filter(username__startswith="bench_grid_").order_by("pk"))
        # What django.contrib.auth.login() leaves in a session, plus the idle-timeout stamp.
        store: type[SessionBase] = import_string(settings.SESSION_ENGINE + ".SessionStore")
        sessions = []
        for user in users:
            session = store()
            session[SESSION_KEY] = str(user.pk)
            # The backend that signs people in (a session naming any other is anonymous).
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session["civicgrid_last_seen"] = int(time.time())
            session.create()
            sessions.append(session.session_key)
        microgrids = list(
            Region.all_objects.filter(
                code__startswith=DISTRICT, level=Level.MICROGRID, boundary__isnull=False
            ).values_list("code", "boundary")
        )
        categories = list(
            Category.objects.filter(
                parent__isnull=False, is_active=True, photo_required=photo, priority__lt=2
            )
            .order_by("code")
            .values_list("code", flat=True)
        )
    rng = np.random.default_rng(SEED)
    polygons = shapely.from_wkb([bytes(b) for _, b in microgrids])
    shapely.prepare(polygons)
    picks = rng.integers(0, len(polygons), POINTS)
    bounds = shapely.bounds(polygons)
    points: list[tuple[float, float]] = []
    for i in picks.tolist():
        x0, y0, x1, y1 = bounds[i]
        while True:  # rejection sampling inside the micro-grid
            x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if shapely.contains_xy(polygons[i], x, y):
                points.append((float(x), float(y)))
                break
    csrf = _get_new_csrf_string()
    lines = [f"csrf {csrf}"]
    lines += [f"session {key}" for key in sessions]
    lines += [f"category {code}" for code in categories]
    lines += [f"point {x:.7f} {y:.7f}" for x, y in points]
    data_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out.update(
        setup_s=round(time.perf_counter() - started, 1),
        grids=len(grids),
        microgrids=len(microgrids),
        workers=len(users),
        categories=len(categories),
    )
    return out


def phase_check(database_url: str, numbers_file: Path) -> dict[str, Any]:
    _django(database_url)
    from django.db.models import Count, Q
    from django_scopes import scopes_disabled

    from civicgrid.command.models import Rollup, RollupChange
    from civicgrid.command.rollups import fold
    from civicgrid.events.models import Incident
    from civicgrid.workflow.models import TimelineEntry

    acknowledged = set(numbers_file.read_text(encoding="utf-8").split())
    with scopes_disabled():
        # The reports left their counts waiting; the worker's periodic fold (or the next read)
        # adds them to the rollups. Its cost belongs to the intake's: measured here.
        waiting = RollupChange.objects.count()
        cpu, wall = time.process_time(), time.perf_counter()
        fold()
        fold_cpu_ms, fold_wall_ms = (
            (time.process_time() - cpu) * 1000,
            (time.perf_counter() - wall) * 1000,
        )
        counted = Rollup.objects.filter(cube="a", grain=6, span="d", area=DISTRICT)
        rollup_reports = sum(counted.values_list("reports", flat=True))
        stored = set(Incident.all_objects.values_list("number", flat=True))
        without_flow = Incident.all_objects.filter(flow__isnull=True).count()
        without_created = (
            Incident.all_objects.annotate(
                created=Count("flow__timeline", filter=Q(flow__timeline__kind="created"))
            )
            .exclude(created=1)
            .count()
        )
        entries = TimelineEntry.objects.filter(flow__incident__isnull=False).count()
        keys = Incident.all_objects.values("client_key").distinct().count()
    return {
        "acknowledged": len(acknowledged),
        "incidents": len(stored),
        "lost": len(acknowledged - stored),
        "unacknowledged": len(stored - acknowledged),
        "distinct_keys": keys,
        "without_flow": without_flow,
        "without_one_created_entry": without_created,
        "timeline_entries": entries,
        "waiting_changes": waiting,
        "fold_cpu_ms": round(fold_cpu_ms, 1),
        "fold_wall_ms": round(fold_wall_ms, 1),
        "rollup_reports": rollup_reports,
    }


# --- the run ------------------------------------------------------------------------------------


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _child(phase: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", phase, *args],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _redis(url: str) -> str:
    """`url` if a Redis server answers there, else "" (the run then keeps sessions in the DB)."""
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except (redis.RedisError, OSError):
        print(f"no Redis at {url}: sessions stay in the database")
        return ""
    return url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited while starting")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers (401 without a session is fine)
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not come up")


class _CpuMeter:
    """CPU seconds of the server's processes and of PostgreSQL's backends for the bench database
    (other databases on the machine are someone else's work), sampled twice a second so that a
    backend that exits in the meantime (connections are renewed) still counts."""

    def __init__(self, server_group: int) -> None:
        self.server_group = server_group
        self.first: dict[int, tuple[str, float]] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _CpuMeter:
        self.first = self._sample()
        self.last = dict(self.first)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.last.update(self._sample())

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.last.update(self._sample())

    def seconds(self, kind: str) -> float:
        return sum(
            used - self.first.get(pid, (kind, 0.0))[1]
            for pid, (k, used) in self.last.items()
            if k == kind
        )

    def _sample(self) -> dict[int, tuple[str, float]]:
        tick = os.sysconf("SC_CLK_TCK")
        found = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
                pid = int(stat.parent.name)
                group = os.getpgid(pid)
                cmdline = (
                    (stat.parent / "cmdline").read_bytes() if group != self.server_group else b""
                )
            except OSError:
                continue
            fields = text[text.rindex(")") + 2 :].split()
            used = (int(fields[11]) + int(fields[12])) / tick
            if group == self.server_group:
                found[pid] = ("server", used)
            elif cmdline.startswith(b"postgres") and BENCH_DB.encode() in cmdline:
                found[pid] = ("postgres", used)
        return found


def _wrk(url: str, data: Path, tag: str, connections: int, seconds: int, result: Path) -> dict:
    subprocess.run(
        [
            "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
            "-s", str(ROOT / "bench" / "intake.lua"), url, "--", str(data), tag,
        ],
        env={**os.environ, "INTAKE_RESULT": str(result)},
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    out: dict[str, Any] = {"statuses": {}, "numbers": []}
    for line in result.read_text(encoding="utf-8").splitlines():
        kind, *values = line.split()
        if kind == "summary":
            duration, requests, *errors = (int(v) for v in values)
            out.update(seconds=duration / 1e6, requests=requests, socket_errors=sum(errors[:3]))
            out["timeouts"] = errors[4]
        elif kind == "latency":
            p50, p90, p99, p999, top = (int(v) / 1000 for v in values)
            out.update(p50_ms=p50, p90_ms=p90, p99_ms=p99, p999_ms=p999, max_ms=top)
        elif kind == "status":
            out["statuses"][int(values[0])] = int(values[1])
        elif kind == "number":
            out["numbers"].append(values[0])
    return out


def run(args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (make system-deps does it)")
    database_url = f"{PG_URL}/{BENCH_DB}"
    workdir = Path(tempfile.mkdtemp(prefix="civicgrid-intake-"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CIVICGRID_DATA_DIR": str(workdir / "var"),
        "SECURE_COOKIES": "0",
        "DEBUG": "0",
        "PYTHONPATH": str(ROOT / "src"),
    }
    redis_url = "" if args.no_redis else _redis(args.redis)
    if redis_url:
        env["REDIS_URL"] = redis_url  # sessions from Redis, as production is configured
    else:
        env.pop("REDIS_URL", None)
    print(f"sessions: {'Redis ' + redis_url + ' (cached_db)' if redis_url else 'database'}")
    data = workdir / "data.txt"
    _admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    _admin(f"CREATE DATABASE {BENCH_DB}")
    server: subprocess.Popen[bytes] | None = None
    try:
        setup = _child("setup", env, "--data", str(data), *(["--photo"] if args.photo else []))
        print(
            f"setup {setup['setup_s']} s: {setup['grids']} grids, {setup['microgrids']} "
            f"micro-grids, {setup['workers']} signed-in grid workers, "
            f"{setup['categories']} categories"
        )
        if args.photo:
            with data.open("a", encoding="utf-8") as f:
                f.write(f"photo {_photo(workdir)}\n")
        port = _free_port()
        serve = [sys.executable, "-m", "civicgrid.cli", "serve", "--bind", f"127.0.0.1:{port}"]
        if args.workers:
            serve += ["--workers", str(args.workers)]
        if args.threads:
            serve += ["--threads", str(args.threads)]
        server = subprocess.Popen(
            [*serve, *args.serve_args], env=env, cwd=ROOT, start_new_session=True
        )
        url = f"http://127.0.0.1:{port}/api/v1/events/reports"
        _wait_until_up(f"http://127.0.0.1:{port}/api/v1/events/categories", server)
        rows = []
        numbers = workdir / "numbers.txt"
        abandoned_at_most = 0
        with numbers.open("w", encoding="utf-8") as acknowledged:
            for n, connections in enumerate(args.connections):
                for phase, seconds in (("warm", args.warmup), ("run", args.duration)):
                    if seconds <= 0:
                        continue
                    wrk_before = _children_cpu()
                    with _CpuMeter(server.pid) as meter:
                        result = _wrk(url, data, f"{phase}{n}", connections, seconds, workdir / "r")
                    done = max(1, result["requests"])
                    result["cpu_ms"] = {
                        "server": meter.seconds("server") * 1000 / done,
                        "postgres": meter.seconds("postgres") * 1000 / done,
                        "wrk": (_children_cpu() - wrk_before) * 1000 / done,
                    }
                    result["load"] = os.getloadavg()[0]
                    acknowledged.writelines(f"{x}\n" for x in result["numbers"])
                    abandoned_at_most += connections
                    if phase == "run":
                        rows.append((connections, result))
                        _print_row(connections, result, first=len(rows) == 1)
        check = _child("check", env, "--numbers", str(numbers))
        print(
            f"check: {check['acknowledged']} reports acknowledged (201), {check['incidents']} "
            f"incidents stored, {check['lost']} lost, {check['unacknowledged']} stored but "
            f"abandoned in flight by wrk at the end of a run (at most {abandoned_at_most}); "
            f"{check['distinct_keys']} distinct idempotency keys; "
            f"{check['without_flow']} without a flow, "
            f"{check['without_one_created_entry']} without exactly one 'created' entry; "
            f"the fold of {check['waiting_changes']} waiting changes took "
            f"{check['fold_cpu_ms']} ms of CPU ({check['fold_wall_ms']} ms), and the rollups "
            f"count {check['rollup_reports']} reports"
        )
        ok = (
            check["lost"] == 0
            and check["unacknowledged"] <= abandoned_at_most
            and check["distinct_keys"] == check["incidents"]
            and check["without_flow"] == 0
            and check["without_one_created_entry"] == 0
            and check["rollup_reports"] == check["incidents"]
        )
        print("consistent" if ok else "INCONSISTENT")
        print(json.dumps({"machine": _machine(), "setup": setup, "check": check}))
        if not ok:
            raise SystemExit(1)
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        if not args.keep:
            _admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept: {database_url}, {workdir}")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _print_row(connections: int, r: dict[str, Any], first: bool) -> None:
    if first:
        print(
            f"{'connections':>11} {'requests/s':>10} {'p50 ms':>7} {'p90 ms':>7} "
            f"{'p99 ms':>7} {'max ms':>7} {'201':>7} {'non-2xx':>7} {'socket err':>10}   "
            "CPU ms per request: server / PostgreSQL / wrk, load average"
        )
    created = r["statuses"].get(201, 0)
    non_2xx = sum(n for status, n in r["statuses"].items() if not 200 <= status < 300)
    cpu = r["cpu_ms"]
    print(
        f"{connections:>11} {r['requests'] / r['seconds']:>10.0f} {r['p50_ms']:>7.1f} "
        f"{r['p90_ms']:>7.1f} {r['p99_ms']:>7.1f} {r['max_ms']:>7.1f} {created:>7} "
        f"{non_2xx:>7} {r['socket_errors'] + r['timeouts']:>10}   "
        f"{cpu['server']:.2f} / {cpu['postgres']:.2f} / {cpu['wrk']:.2f}, {r['load']:.1f}",
        flush=True,
    )
    if non_2xx:
        print(f"{'':>11} statuses: {r['statuses']}")


def _photo(workdir: Path) -> Path:
    """A ~100 KB JPEG (1280×960 of noise over a gradient, quality 85)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(SEED)
    y, x = np.mgrid[0:960, 0:1280]
    base = np.stack([x * 255 // 1280, y * 255 // 960, (x + y) * 255 // 2240], axis=-1)
    noise = rng.integers(0, 24, base.shape)
    pixels = np.clip(base + noise, 0, 255).astype(np.uint8)
    path = workdir / "report.jpg"
    for quality in (85, 75, 65, 55, 45):
        Image.fromarray(pixels).save(path, "JPEG", quality=quality)
        if path.stat().st_size <= 120_000:
            break
    return path


def _machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=["setup", "check"])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--numbers", type=Path)
    parser.add_argument(
        "--connections", type=lambda s: [int(x) for x in s.split(",")], default=[16, 32, 64]
    )
    parser.add_argument("--warmup", type=int, default=30, help="seconds of warm-up per count")
    parser.add_argument("--duration", type=int, default=60, help="measured seconds per count")
    parser.add_argument("--workers", type=int, default=0, help="serve --workers (default: its own)")
    parser.add_argument("--threads", type=int, default=0, help="serve --threads")
    parser.add_argument("--photo", action="store_true", help="one ~100 KB JPEG per report")
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        help="the Redis for sessions (used when it answers)",
    )
    parser.add_argument("--no-redis", action="store_true", help="sessions in the database only")
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument("serve_args", nargs="*", help="more arguments for serve (after --)")
    args = parser.parse_args()
    if args.phase == "setup":
        print(json.dumps(phase_setup(os.environ["DATABASE_URL"], args.data, args.photo)))
    elif args.phase == "check":
        print(json.dumps(phase_check(os.environ["DATABASE_URL"], args.numbers)))
    else:
        run(args)


if __name__ == "__main__":
    main()
