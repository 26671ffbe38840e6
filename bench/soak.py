"""A bounded soak on loopback: steady mixed traffic against `civicgrid serve` on PostgreSQL,
PostgreSQL restarted in the middle and the worker killed while it runs a task; then the books.

Run: PYTHONPATH=src:. /work/main/.venv/bin/python bench/soak.py [--seconds 180] [--rate 6]

Restarts a PostgreSQL cluster of its own (pg_ctlcluster): by default `civicgrid_soak` on port
5433, created for the run when it does not exist (Debian's pg_createcluster, trust on
loopback) and dropped afterwards unless --keep, so nothing else on the machine loses its
database. `--cluster main --port 5432` restarts the machine's own cluster instead: only when
nothing else uses it. Uses its own database civicgrid_soak (dropped afterwards unless --keep).
Traffic: reports (POST /api/v1/events/reports, each with its own client_key, resent with the
same key after any failure), dispatches (立案 then 派单 to the grid worker, by the community's
staff, retried after re-reading the case) and reads (case list and one case). Afterwards:
every report accepted exactly once, no notification twice, every timeline a consistent chain.

The worker kill: the reports' category gives 36 seconds to register a case (a category's own
"hours to register", 0.01), so every report not dispatched meanwhile falls due during the run,
and the deadline job, at its production interval (60 s), escalates a minute's worth of them to
the town at once, with a whistle and notifications each. From the middle of the run the
database is polled every 10 ms for that job's row in state RUNNING; the worker is SIGKILLed
the moment it shows, a new worker starts 2 s later (WORKER_LEASE=15 here), and the books show
the killed run was queued again and completed once.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

DB = "civicgrid_soak"
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"  # the port is --port's


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


OWN_CLUSTER = "civicgrid_soak"


def _pg_version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[0]


def _ensure_cluster(name: str, port: int) -> bool:
    """Start the cluster `name`, creating it (trust on loopback) when the machine has none of
    that name; True when it was created here (and is dropped at the end)."""
    version = _pg_version()
    made = not Path(f"/etc/postgresql/{version}/{name}").exists()
    if made:
        subprocess.run(["pg_createcluster", version, name, "-p", str(port), "--",
                        "--auth-host=trust", "--auth-local=trust"], check=True, capture_output=True)  # fmt: skip
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    if not any(line.split()[1:2] == [name] and "online" in line for line in listed.splitlines()):
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"],
                       check=True)  # fmt: skip
    return made


CSRF = "f" * 32
RETRY_FOR = 90.0  # seconds a client keeps resending one request
DEADLINES = "civicgrid.events.tasks.run_deadlines_task"
TASKS_TABLE = "django_tasks_database_dbtaskresult"
LEASE = 15  # WORKER_LEASE of the soak's workers (seconds)

SETUP = r"""
import json, django
django.setup()
from unittest import mock
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django_scopes import scopes_disabled
from civicgrid.demo.management.commands import demo
from civicgrid.accounts.models import User
from civicgrid.events.models import Category
from civicgrid.regions.models import Region
real = demo.synthesize_boundaries
with mock.patch.object(demo, "synthesize_boundaries",
                       lambda *, root_code, seed: real(root_code=demo.DEMO_AREA, seed=seed)):
    call_command("migrate", verbosity=0)
    call_command("demo", scale="community", verbosity=0)
def session(user):
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "civicgrid.accounts.backends.AccountBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return s.session_key
with scopes_disabled():
    grid = User.objects.get(username="demo_grid")
    staff = User.objects.get(username="demo_community")
    micro = Region.all_objects.filter(code__startswith=grid.region_id, level=7,
                                      centroid_lng__isnull=False).order_by("code")[:20]
    category = Category.objects.filter(photo_required=False, parent__isnull=False,
                                       is_active=True).order_by("code").first()
    category.register_hours = 0.01  # 36 s to register: what is not dispatched falls due
    category.save(update_fields=["register_hours"])
    print(json.dumps({"grid": session(grid), "staff": session(staff), "grid_id": grid.pk,
                      "points": [[m.centroid_lng, m.centroid_lat] for m in micro],
                      "category": category.code}))
"""

BOOKS = r"""
import json, sys, django
django.setup()
from collections import Counter
from django_scopes import scopes_disabled
from civicgrid.events.models import Incident
from civicgrid.notifications.models import Notification
from civicgrid.workflow.models import TimelineEntry
keys = json.load(sys.stdin)
with scopes_disabled():
    found = Counter(Incident.all_objects.filter(client_key__in=keys).values_list("client_key", flat=True))
    numbers = list(Incident.all_objects.filter(client_key__in=keys).values_list("number", flat=True))
    flows = list(Incident.all_objects.filter(client_key__in=keys).values_list("flow_id", "flow__state"))
    broken = 0
    entries = {}
    for flow_id, kind, source, target in TimelineEntry.objects.filter(
            flow_id__in=[f for f, _ in flows], kind="transition").order_by("id").values_list(
            "flow_id", "kind", "from_state", "to_state"):
        entries.setdefault(flow_id, []).append((source, target))
    for flow_id, state in flows:
        chain = entries.get(flow_id, [])
        if any(a[1] != b[0] for a, b in zip(chain, chain[1:])) or (chain and chain[-1][1] != state):
            broken += 1
    notes = Counter(Notification.objects.values_list("user_id", "code", "link"))
    twice = sum(1 for n in notes.values() if n > 1)
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult
    tasks = {r["status"]: r["n"] for r in DBTaskResult.objects.values("status").annotate(n=Count("pk"))}
print(json.dumps({"found": len(found), "duplicated": sum(1 for n in found.values() if n > 1),
                  "flows": len(flows), "broken_timelines": broken, "notifications": sum(notes.values()),
                  "notifications_twice": twice, "tasks": tasks}))
"""


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent = self.accepted = self.retried = self.failed_final = 0
        self.latencies: list[float] = []
        self.errors_at: list[float] = []
        self.kinds: dict[str, int] = {}

    def add(self, **kw: int) -> None:
        with self.lock:
            for k, v in kw.items():
                setattr(self, k, getattr(self, k) + v)


def call(base: str, session: str, method: str, path: str, body: bytes | None = None,
         content_type: str = "application/json") -> tuple[int, bytes]:  # fmt: skip
    request = urllib.request.Request(base + path, data=body, method=method)
    request.add_header("Cookie", f"sessionid={session}; csrftoken={CSRF}")
    request.add_header("X-CSRFToken", CSRF)
    if body is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             for k, v in fields.items()]  # fmt: skip
    return (
        "".join(parts) + f"--{boundary}--\r\n"
    ).encode(), f"multipart/form-data; boundary={boundary}"


def with_retries(stats: Stats, started: float, attempt) -> Any:
    """Run `attempt()` until it returns a result; a connection error, timeout or 5xx is retried."""
    first = time.monotonic()
    tries = 0
    while True:
        tries += 1
        stats.add(sent=1)
        t0 = time.perf_counter()
        try:
            status, result = attempt()
        except (OSError, urllib.error.URLError):
            status, result = 0, None
        if status and status < 500:
            with stats.lock:
                stats.latencies.append(time.perf_counter() - t0)
            if tries > 1:
                stats.add(retried=tries - 1)
            return status, result
        with stats.lock:
            stats.errors_at.append(time.monotonic() - started)
        if time.monotonic() - first > RETRY_FOR:
            stats.add(failed_final=1)
            return None, None
        time.sleep(min(0.25 * tries, 2.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--rate", type=float, default=6.0, help="requests per second, all kinds")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--cluster", default=OWN_CLUSTER, help="the PostgreSQL cluster to restart")
    parser.add_argument("--port", type=int, default=5433, help="that cluster's port")
    args = parser.parse_args()
    global URL
    URL = URL.replace(":5432/", f":{args.port}/")
    made_cluster = _ensure_cluster(args.cluster, args.port)

    work = Path(tempfile.mkdtemp(prefix="civicgrid-soak-"))
    port = 8765
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": URL, "CIVICGRID_DATA_DIR": str(work),
           "PYTHONPATH": str(ROOT / "src"), "LOG_LEVEL": "WARNING", "EVENTS_DEADLINE_INTERVAL": "60",
           "WORKER_LEASE": str(LEASE),
           "DEMO_ACCOUNTS_ALLOWED": "1",  # it signs in as the demo world's grid worker and staff
           "DJANGO_SETTINGS_MODULE": "civicgrid.settings",
           "NOTIFICATION_SENDERS": "civicgrid.notifications.senders.LogSmsSender"}  # fmt: skip
    env.pop("REDIS_URL", None)
    _pg(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    _pg(f"CREATE DATABASE {DB}")
    setup = subprocess.run([sys.executable, "-c", SETUP], env=env, capture_output=True, text=True)
    if setup.returncode:
        raise SystemExit(setup.stderr[-3000:])
    world = json.loads(setup.stdout.strip().splitlines()[-1])
    cli = [sys.executable, "-m", "civicgrid.cli"]
    logs = open(work / "servers.log", "w")  # noqa: SIM115
    server = subprocess.Popen([*cli, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                              env=env, stdout=logs, stderr=logs)  # fmt: skip
    worker = subprocess.Popen([*cli, "worker"], env=env, stdout=logs, stderr=logs)
    for _ in range(200):
        try:
            if urllib.request.urlopen(base + "/readyz", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.2)
    stats = Stats()
    keys: list[str] = []
    accepted: set[str] = set()
    numbers: list[str] = []  # reported and not yet dispatched, newest last
    reported: list[str] = []  # every accepted report, for reads
    rng = random.Random(7)
    started = time.monotonic()
    events: dict[str, float] = {}

    def report() -> None:
        key = uuid.uuid4().hex
        with stats.lock:
            keys.append(key)
        lng, lat = rng.choice(world["points"])
        body, ctype = multipart({"category": world["category"], "description": "路面破损 soak",
                                 "lng": str(lng), "lat": str(lat), "client_key": key})  # fmt: skip
        status, raw = with_retries(stats, started, lambda: call(
            base, world["grid"], "POST", "/api/v1/events/reports", body, ctype))  # fmt: skip
        if status in (200, 201):
            with stats.lock:
                accepted.add(key)
                numbers.append(json.loads(raw)["number"])
                reported.append(numbers[-1])
            stats.add(accepted=1)

    def read() -> None:
        with stats.lock:
            number = rng.choice(reported) if reported else None
        path = f"/api/v1/events/incidents/{number}" if number else "/api/v1/events/incidents"
        status, _ = with_retries(stats, started, lambda: call(base, world["staff"], "GET", path))
        if status == 200:
            stats.add(accepted=1)

    def dispatch() -> None:
        with stats.lock:
            # The newest report: still with the community (older ones fall due and go up).
            number = numbers.pop() if numbers else None
        if number is None:
            return read()
        path = f"/api/v1/events/incidents/{number}"
        for step, extra in (
            ("register", {}),
            ("dispatch", {"handler": f"worker:{world['grid_id']}"}),
        ):
            status, raw = with_retries(
                stats, started, lambda: call(base, world["staff"], "GET", path)
            )
            if status != 200:
                return None
            case = json.loads(raw)
            body = json.dumps({"version": case["version"], **extra}).encode()
            status, raw = with_retries(stats, started, lambda b=body, s=step: call(
                base, world["staff"], "POST", f"{path}/{s}", b))  # fmt: skip
            with stats.lock:
                stats.kinds[f"{step} {status}"] = stats.kinds.get(f"{step} {status}", 0) + 1
            if status != 200:
                return None
        stats.add(accepted=1)
        return None

    def faults() -> None:
        time.sleep(args.seconds / 4)
        events["postgres_restart"] = time.monotonic() - started
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), args.cluster,
                        "restart"],
                       check=True)  # fmt: skip
        events["postgres_back"] = time.monotonic() - started
        time.sleep(max(0.0, args.seconds / 2 - (time.monotonic() - started)))
        kill.update(kill_while_running(started + args.seconds - 25))

    def kill_while_running(until: float) -> dict[str, Any]:
        """SIGKILL the worker as soon as the deadline job's row is RUNNING; start a new one."""
        import psycopg

        with psycopg.connect(URL, autocommit=True) as db:
            whistles = "SELECT count(*) FROM events_whistle"
            misses = 0
            while time.monotonic() < until:
                before = db.execute(whistles).fetchone()[0]
                row = db.execute(f"SELECT id FROM {TASKS_TABLE} WHERE status = 'RUNNING' "
                                 "AND task_path = %s", (DEADLINES,)).fetchone()  # fmt: skip
                if row is None:
                    time.sleep(0.01)
                    continue
                nonlocal_worker[0].send_signal(signal.SIGKILL)
                killed_at = time.monotonic() - started
                nonlocal_worker[0].wait()
                status, worker_ids = db.execute(
                    f"SELECT status, worker_ids FROM {TASKS_TABLE} WHERE id = %s", row
                ).fetchone()
                at_kill = db.execute(whistles).fetchone()[0]
                time.sleep(2)  # what systemd's RestartSec would do
                nonlocal_worker[0] = subprocess.Popen([*cli, "worker"], env=env, stdout=logs,
                                                      stderr=logs)  # fmt: skip
                if status != "RUNNING":  # it finished between the look and the kill: again
                    misses += 1
                    continue
                while time.monotonic() < started + args.seconds + 60:
                    final, ids, result = db.execute(
                        f"SELECT status, worker_ids, return_value FROM {TASKS_TABLE} "
                        "WHERE id = %s", row).fetchone()  # fmt: skip
                    if final in ("SUCCESSFUL", "FAILED"):
                        break
                    time.sleep(0.2)
                return {"task": str(row[0]), "killed_at": killed_at, "misses": misses,
                        "status_at_kill": status, "workers_at_kill": len(worker_ids),
                        "whistles_before": before, "whistles_at_kill": at_kill,
                        "done_after": time.monotonic() - started - killed_at,
                        "final": final, "workers_after": len(ids), "result": result,
                        "whistles_after": db.execute(whistles).fetchone()[0]}  # fmt: skip
        return {"misses": misses}

    kill: dict[str, Any] = {}
    nonlocal_worker = [worker]
    threading.Thread(target=faults, daemon=True).start()
    mix = [report] * 6 + [read] * 2 + [dispatch] * 2
    threads: list[threading.Thread] = []
    interval = 1.0 / args.rate
    n = 0
    while time.monotonic() - started < args.seconds:
        n += 1
        target = started + n * interval
        time.sleep(max(0.0, target - time.monotonic()))
        t = threading.Thread(target=rng.choice(mix))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    time.sleep(3)
    books = subprocess.run([sys.executable, "-c", BOOKS], env=env, input=json.dumps(keys),
                           capture_output=True, text=True)  # fmt: skip
    server.terminate()
    nonlocal_worker[0].terminate()
    server.wait(30)
    nonlocal_worker[0].wait(60)
    logs.close()
    requeued = (work / "servers.log").read_text(errors="replace").count("queued again")
    if books.returncode:
        raise SystemExit(books.stderr[-3000:])
    result = json.loads(books.stdout.strip().splitlines()[-1])
    after_restart = [t for t in stats.errors_at if t >= events.get("postgres_restart", 0)]
    recovery = (max(after_restart) - events["postgres_restart"]) if after_restart else 0.0
    lat = sorted(stats.latencies)
    print()
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {date.today()}, load average "
          f"{load} at the end; {args.seconds:.0f} s at {args.rate} req/s offered")  # fmt: skip
    rows = [
        ("operations started", len(threads)),
        ("requests sent (incl. retries)", stats.sent),
        ("operations accepted", stats.accepted),
        ("requests retried", stats.retried),
        ("operations given up", stats.failed_final),
        ("rate held (requests/s)", f"{stats.sent / elapsed:.1f}"),
        (
            "p50 / p99 latency (ms)",
            f"{statistics.median(lat) * 1000:.0f} / {lat[int(0.99 * (len(lat) - 1))] * 1000:.0f}",
        ),
        ("reports sent / accepted", f"{len(keys)} / {len(accepted)}"),
        ("reports lost (sent, never stored)", len(keys) - result["found"]),
        ("reports stored twice", result["duplicated"]),
        ("timelines inconsistent", result["broken_timelines"]),
        ("notifications sent twice", result["notifications_twice"]),
        (
            "PostgreSQL restart at / back at (s)",
            f"{events.get('postgres_restart', 0):.0f} / {events.get('postgres_back', 0):.0f}",
        ),
        ("recovery after the restart (s)", f"{recovery:.1f}"),
        ("worker killed at (s)", f"{kill.get('killed_at', 0):.1f}"),
        ("killed task: status when killed", f"{kill.get('status_at_kill')} ({DEADLINES})"),
        (
            "killed task: status afterwards",
            f"{kill.get('final')}, run by {kill.get('workers_after')} workers in all",
        ),
        ("killed task: kill → completed (s)", f"{kill.get('done_after', 0):.1f}"),
        ("killed task: result of the re-run", json.dumps(kill.get("result"))),
        (
            "whistles before / at kill / after",
            f"{kill.get('whistles_before')} / "
            f"{kill.get('whistles_at_kill')} / "
            f"{kill.get('whistles_after')}",
        ),
        ("kills that came too late (job done)", kill.get("misses")),
        ("tasks queued again (worker log)", requeued),
        ("tasks by status afterwards", json.dumps(result["tasks"])),
        ("transitions by answer", json.dumps(stats.kinds, ensure_ascii=False)),
    ]
    for label, value in rows:
        print(f"{label:<40}{value}")
    if not args.keep:
        _pg(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        if made_cluster:
            subprocess.run(["pg_dropcluster", "--stop", _pg_version(), args.cluster], check=True)
    if len(keys) - result["found"] or result["duplicated"]:
        raise SystemExit("lost or duplicated reports")
    if result["notifications_twice"]:
        raise SystemExit("notifications sent twice")
    if kill.get("status_at_kill") != "RUNNING" or kill.get("final") != "SUCCESSFUL":
        raise SystemExit("the worker was not killed while running a task that then completed")


if __name__ == "__main__":
    main()
