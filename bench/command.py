"""The command centre's assessment at county scale on PostgreSQL: 2,000,000 cases over one year.

Run: PYTHONPATH=src /work/main/.venv/bin/python bench/command.py [--cases 2000000]
     [--requests 100] [--keep] [--phases setup,load,rebuild,live,query]

Builds its own database (civicgrid_bench_command, dropped afterwards unless --keep): the real
divisions, generated grids for 江宁区 (320115: 10 towns, 200 communities), one grid worker per
grid, the county's departments. Then:

  load     incidents, flows and timelines of a year written with COPY (the loop's own shape:
           stage deadlines, late stages, rework, returns, escalation, merges, rejections,
           ratings), as history would arrive from a migration;
  rebuild  `rebuild-rollups` over all of it (the repair/load path), timed;
  live     cases moved through the real services, timing the rollup upkeep of each change;
  query    p50/p95 server time of the assessment API and page (Django's test client in-process,
           signed in as a county and a town operator) for the county and a town over the
           year, and the same summary as a naive aggregate over the incidents table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

COUNTY = "320115"
SEED = 2026
DB = "civicgrid_bench_command"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = f"postgres://postgres@127.0.0.1:5432/{DB}"
TZ = ZoneInfo("Asia/Shanghai")
YEAR_START = datetime(2025, 12, 1, tzinfo=TZ)
YEAR_END = datetime(2026, 12, 1, tzinfo=TZ)
PASSWORD = "Bench-Password-2026"  # a throwaway database's accounts


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def _django() -> None:
    os.environ["DATABASE_URL"] = PG_BENCH
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()


def _seconds(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


# --- setup ----------------------------------------------------------------------------------


def phase_setup() -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from civicgrid.accounts.models import Organisation, User
    from civicgrid.accounts.roles import Role
    from civicgrid.demo.management.commands.demo import DEPARTMENTS
    from civicgrid.events.categories import load_defaults
    from civicgrid.regions.generation import generate_grids, synthesize_boundaries
    from civicgrid.regions.importing import import_divisions
    from civicgrid.regions.levels import Level
    from civicgrid.regions.models import Region

    out: dict[str, Any] = {}
    with scopes_disabled():
        out["migrate_s"] = _seconds(lambda: call_command("migrate", verbosity=0))
        out["divisions_s"] = _seconds(import_divisions)
        out["boundaries_s"] = _seconds(lambda: synthesize_boundaries(root_code="32", seed=SEED))
        out["grids_s"] = _seconds(lambda: generate_grids(area_code=COUNTY, seed=SEED))
        load_defaults()
        county = Region.all_objects.get(code=COUNTY)
        for sector, name, kind in DEPARTMENTS:
            Organisation.all_objects.get_or_create(
                region=county,
                name=name.format(county=county.name),
                defaults={"kind": kind, "sector": sector},
            )
        grids = Region.all_objects.filter(code__startswith=COUNTY, level=Level.GRID)
        hashed = make_password(PASSWORD)
        User.objects.bulk_create(
            User(
                username=f"grid_{g}",
                first_name=f"网格员{g[-6:]}",
                role=Role.GRID_WORKER,
                region_id=g,
                password=hashed,
            )
            for g in grids.values_list("code", flat=True)
        )
        town = (
            Region.all_objects.filter(code__startswith=COUNTY, level=Level.TOWN)
            .order_by("code")
            .first()
        )
        assert town is not None
        User.objects.create(
            username="bench_county", role=Role.COUNTY_OPERATOR, region_id=COUNTY, password=hashed
        )
        User.objects.create(
            username="bench_town", role=Role.TOWN_OPERATOR, region_id=town.code, password=hashed
        )
        out["towns"] = Region.all_objects.filter(code__startswith=COUNTY, level=Level.TOWN).count()
        out["communities"] = Region.all_objects.filter(
            code__startswith=COUNTY, level=Level.COMMUNITY
        ).count()
        out["grids"] = grids.count()
        out["microgrids"] = Region.all_objects.filter(
            code__startswith=COUNTY, level=Level.MICROGRID
        ).count()
    return out


# --- load: a year of history written with COPY ----------------------------------------------


class _History:
    """Generates one case at a time as the loop would have left it (rows for three tables)."""

    HOURS = {"register": 1.0, "dispatch": 1.0, "accept": 1.0, "handle": 18.0, "verify": 3.0}

    def __init__(self, rng: random.Random, ctx: dict[str, Any]) -> None:
        self.rng = rng
        self.ctx = ctx
        self.timeline: list[str] = []

    @staticmethod
    def iso(t: datetime) -> str:
        return t.isoformat()

    def entry(
        self, flow: int, at: datetime, kind: str, name: str, src: str, dst: str, data: dict
    ) -> None:
        self.timeline.append(
            "\t".join(
                (
                    str(flow),
                    self.iso(at),
                    "bench",
                    "",
                    kind,
                    name,
                    src,
                    dst,
                    json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                )
            )
        )

    def case(self, n: int, reported: datetime) -> tuple[str, str]:
        rng, ctx = self.rng, self.ctx
        micro = ctx["micro"][rng.randrange(len(ctx["micro"]))]
        category = ctx["categories"][rng.randrange(len(ctx["categories"]))]
        worker = ctx["workers"].get(micro[:15])
        by_worker = worker is not None and rng.random() < 0.7
        flow = n
        t = reported
        state = "reported"
        due = t + timedelta(hours=self.HOURS["register"])
        self.entry(
            flow,
            t,
            "created",
            "",
            "",
            "reported",
            {"category": category, "priority": 0, "due_at": self.iso(due)},
        )
        handler_kind, handler_user, handler_org = "", "\\N", "\\N"
        closed_at = evaluated_at = "\\N"
        satisfaction = ""
        rework = 0
        level = 0
        desk = micro[:12]
        version = 1
        open_from = YEAR_END - timedelta(hours=36)

        def step(
            name: str, src: str, dst: str, minutes: float, stage: str | None, **inputs: Any
        ) -> None:
            nonlocal t, due, state, version
            t = t + timedelta(minutes=minutes)
            due = t + timedelta(hours=self.HOURS[stage]) if stage else None
            self.entry(
                flow,
                t,
                "transition",
                name,
                src,
                dst,
                {"inputs": inputs, "due_at": self.iso(due) if due else None},
            )
            state = dst
            version += 1

        u = rng.random()
        if u < 0.02:
            step("merge", "reported", "merged", rng.uniform(5, 60), None, into="X")
            closed_at = self.iso(t)
        elif u < 0.05:
            step("reject", "reported", "rejected", rng.uniform(5, 70), None, reason="不属实")
            closed_at = self.iso(t)
        else:
            step("register", "reported", "registered", rng.uniform(5, 75), "dispatch")
            if rng.random() < 0.03:
                level = 1
                desk = micro[:9]
                step(
                    "escalate",
                    "registered",
                    "registered",
                    rng.uniform(5, 60),
                    "dispatch",
                    level=1,
                    desk=desk,
                )
            to_dept = rng.random() < 0.7 or not worker
            org = ctx["orgs"][rng.randrange(len(ctx["orgs"]))]
            handler = f"department:{org}" if to_dept else f"worker:{worker}"
            step(
                "dispatch",
                "registered",
                "dispatched",
                rng.uniform(5, 75),
                "accept",
                handler=handler,
            )
            if rng.random() < 0.02:
                step(
                    "return",
                    "dispatched",
                    "registered",
                    rng.uniform(5, 60),
                    "dispatch",
                    reason="非本单位",
                )
                step(
                    "dispatch",
                    "registered",
                    "dispatched",
                    rng.uniform(5, 60),
                    "accept",
                    handler=handler,
                )
            handler_kind = "department" if to_dept else "worker"
            handler_org = str(org) if to_dept else "\\N"
            handler_user = "\\N" if to_dept else str(worker)
            if t < open_from:
                step("accept", "dispatched", "handling", rng.uniform(5, 70), "handle")
                step(
                    "finish",
                    "handling",
                    "handled",
                    rng.uniform(60, 20 * 60),
                    "verify",
                    result="已处置",
                )
                if rng.random() < 0.05:
                    rework = 1
                    step(
                        "rework",
                        "handled",
                        "handling",
                        rng.uniform(10, 150),
                        "handle",
                        reason="未解决",
                    )
                    step(
                        "finish",
                        "handling",
                        "handled",
                        rng.uniform(60, 600),
                        "verify",
                        result="已处置",
                    )
                step("close", "handled", "closed", rng.uniform(10, 200), None)
                closed_at = self.iso(t)
                if rng.random() < 0.6:
                    r = rng.random()
                    satisfaction = (
                        "satisfied" if r < 0.88 else "basic" if r < 0.98 else "unsatisfied"
                    )
                    at = t + timedelta(hours=rng.uniform(1, 48))
                    evaluated_at = self.iso(at)
                    self.entry(
                        flow,
                        at,
                        "event",
                        "evaluate",
                        "",
                        "",
                        {"satisfaction": satisfaction, "by": "bench"},
                    )
        reporter = str(worker) if by_worker else "\\N"
        source = "grid_worker" if by_worker else "citizen"
        incident = "\t".join(
            (
                str(n), f"B{n:015d}", str(flow), category, "0", "bench", "", micro, "t", desk,
                str(level), source, reporter, "", "", handler_kind, handler_user, handler_org,
                "\\N", "f", "", str(rework), satisfaction, "", evaluated_at, "", "{}", "",
                self.iso(reported), closed_at,
            )
        )  # fmt: skip
        terminal = state in ("closed", "merged", "rejected")
        flow_row = "\t".join(
            (
                str(flow), "incident", state, str(version), micro, category, "0", self.iso(t),
                "\\N" if terminal or due is None else self.iso(due),
                "\\N" if terminal or due is None else self.iso(t + (due - t) * 0.8),
                "f", str(ctx["ct"]), str(n), self.iso(reported), self.iso(t),
            )
        )  # fmt: skip
        return incident, flow_row


INCIDENT_COLUMNS = (
    "id, number, flow_id, category_id, priority, description, address, region_id, "
    "location_confirmed, desk_id, level, source, reporter_id, reporter_name, reporter_phone, "
    "handler_kind, handler_user_id, handler_org_id, handler_region_id, supervised, "
    "supervision_note, rework_count, satisfaction, evaluation_comment, evaluated_at, "
    "client_digest, open311_attributes, media_url, reported_at, closed_at"
)
FLOW_COLUMNS = (
    "id, workflow, state, version, region_id, category, priority, stage_started_at, due_at, "
    "due_soon_at, overdue, content_type_id, object_id, created_at, updated_at"
)
TIMELINE_COLUMNS = "flow_id, at, actor_label, note, kind, transition, from_state, to_state, data"


def phase_load(cases: int) -> dict[str, Any]:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django_scopes import scopes_disabled

    from civicgrid.accounts.models import Organisation, User
    from civicgrid.events.models import Category, Incident
    from civicgrid.regions.levels import Level
    from civicgrid.regions.models import Region

    rng = random.Random(SEED)
    with scopes_disabled():
        ctx = {
            "micro": list(
                Region.all_objects.filter(code__startswith=COUNTY, level=Level.MICROGRID)
                .order_by("code")
                .values_list("code", flat=True)
            ),
            "categories": list(
                Category.objects.filter(parent__isnull=False).values_list("code", flat=True)
            ),
            "workers": dict(
                User.objects.filter(
                    region__code__startswith=COUNTY, role="grid_worker"
                ).values_list("region_id", "pk")
            ),
            "orgs": list(
                Organisation.all_objects.filter(region_id=COUNTY).values_list("pk", flat=True)
            ),
            "ct": ContentType.objects.get_for_model(Incident).pk,
        }
    span = (YEAR_END - YEAR_START).total_seconds()
    # Reports come in order of time, as history does.
    moments = sorted(rng.random() * span for _ in range(cases))
    history = _History(rng, ctx)
    started = time.perf_counter()
    chunk = 100_000
    timeline_rows = 0
    generate_s = 0.0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for first in range(0, cases, chunk):
            g0 = time.perf_counter()
            incidents, flows = [], []
            history.timeline = []
            for i in range(first, min(cases, first + chunk)):
                reported = YEAR_START + timedelta(seconds=moments[i])
                incident, flow = history.case(i + 1, reported)
                incidents.append(incident)
                flows.append(flow)
            generate_s += time.perf_counter() - g0
            timeline_rows += len(history.timeline)
            for table, columns, rows in (
                ("workflow_flow", FLOW_COLUMNS, flows),
                ("events_incident", INCIDENT_COLUMNS, incidents),
                ("workflow_timelineentry", TIMELINE_COLUMNS, history.timeline),
            ):
                with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write("\n".join(rows) + "\n")
        for table in ("workflow_flow", "events_incident"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cursor.execute("ANALYZE")
    return {
        "cases": cases,
        "timeline_entries": timeline_rows,
        "load_s": time.perf_counter() - started,
        "generate_s": generate_s,
    }


# --- rebuild, live, query ---------------------------------------------------------------------


def phase_rebuild() -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count
    from django_scopes import scopes_disabled

    from civicgrid.command import rollups
    from civicgrid.command.models import Rollup

    with scopes_disabled():
        result = rollups.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE command_rollup")
        cursor.execute("SELECT pg_total_relation_size('command_rollup')")
        size = cursor.fetchone()[0]
    by_cube = {
        f"{r['cube']}{r['grain']}{r['span']}": r["n"]
        for r in Rollup.objects.values("cube", "grain", "span").annotate(n=Count("id"))
    }
    return {
        "cases": result.cases,
        "rows": result.rows,
        "rebuild_s": result.seconds,
        "table_mb": size / 2**20,
        "rows_by_cube": by_cube,
    }


def phase_live(count: int) -> dict[str, Any]:
    """Cases through the real services; the receiver's share of each change, timed."""
    from django_scopes import scopes_disabled

    from civicgrid.accounts.models import Organisation, User
    from civicgrid.command import rollups
    from civicgrid.events.services import intake, steps
    from civicgrid.events.signals import case_changed
    from civicgrid.regions.models import Region

    spent: list[float] = []
    original = rollups.on_case_changed

    def timed(sender: Any, **kwargs: Any) -> None:
        started = time.perf_counter()
        original(sender, **kwargs)
        spent.append((time.perf_counter() - started) * 1000)

    case_changed.disconnect(dispatch_uid="command.rollups")
    case_changed.connect(timed, dispatch_uid="bench.timed")
    total_started = time.perf_counter()
    with scopes_disabled():
        county_op = User.objects.get(username="bench_county")
        officer_org = Organisation.all_objects.filter(region_id=COUNTY).order_by("pk").first()
        officer = User.objects.filter(username="bench_officer").first() or User.objects.create(
            username="bench_officer",
            role="department_officer",
            region_id=COUNTY,
            organisation=officer_org,
        )
        micro = Region.all_objects.filter(code__startswith=COUNTY, level=7).order_by("code")[5]
        for _ in range(count):
            case, _created = intake.report_incident(
                category="1101",
                description="bench",
                by=county_op,
                source="hotline",
                lng=micro.centroid_lng,
                lat=micro.centroid_lat,
            )
            v = case.flow.version
            steps.register(incident=case, by=county_op, version=v)
            steps.dispatch(
                incident=case,
                to=steps.Handler("department", str(officer_org.pk)),
                by=county_op,
                version=case.flow.version,
            )
            steps.accept(incident=case, by=officer, version=case.flow.version)
            steps.finish(incident=case, by=officer, version=case.flow.version, result="ok")
            steps.close(incident=case, by=county_op, version=case.flow.version)
    total = time.perf_counter() - total_started
    case_changed.disconnect(dispatch_uid="bench.timed")
    spent.sort()
    return {
        "changes": len(spent),
        "receiver_p50_ms": statistics.median(spent),
        "receiver_p95_ms": spent[int(0.95 * (len(spent) - 1))],
        "per_change_total_ms": total * 1000 / max(1, len(spent)),
    }


def _naive_summary(area: str, start: date, end: date) -> dict[str, Any]:
    """The obvious way: aggregate the incidents table for the area and period per request."""
    from django.db.models import Count, F, Q, Sum
    from django.db.models.functions import Extract

    from civicgrid.command.rollups import prefix_range
    from civicgrid.events.models import Incident

    s = datetime.combine(start, datetime.min.time(), tzinfo=TZ)
    e = datetime.combine(end, datetime.min.time(), tzinfo=TZ)
    low, high = prefix_range(area)
    reported = Q(reported_at__gte=s, reported_at__lt=e)
    closed = Q(flow__state="closed", closed_at__gte=s, closed_at__lt=e)
    rated = Q(evaluated_at__gte=s, evaluated_at__lt=e)
    return Incident.all_objects.filter(region_id__gte=low, region_id__lte=high).aggregate(
        reports=Count("pk", filter=reported),
        registered=Count("pk", filter=reported & ~Q(flow__state__in=["merged", "rejected"])),
        merged=Count("pk", filter=reported & Q(flow__state="merged")),
        rejected=Count("pk", filter=reported & Q(flow__state="rejected")),
        closed=Count("pk", filter=closed),
        closed_town=Count("pk", filter=closed & Q(level=1)),
        reworked=Sum("rework_count", filter=closed),
        close_seconds=Sum(Extract(F("closed_at") - F("reported_at"), "epoch"), filter=closed),
        evaluated=Count("pk", filter=rated),
        satisfied=Count("pk", filter=rated & Q(satisfaction__in=["satisfied", "basic"])),
    )


def _time(call: Callable[[], Any], n: int) -> dict[str, float]:
    for _ in range(min(3, n)):
        call()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * (len(times) - 1))]}


def phase_query(requests: int) -> dict[str, Any]:
    from django.conf import settings
    from django.test import Client
    from django_scopes import scopes_disabled

    from civicgrid.accounts.models import User
    from civicgrid.command import indicators

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    with scopes_disabled():
        county_op = User.objects.get(username="bench_county")
        town_op = User.objects.get(username="bench_town")
    town = town_op.region_id
    year = {"start": YEAR_START.date().isoformat(), "end": YEAR_END.date().isoformat()}
    shifted = {"start": "2025-12-15", "end": "2026-11-15"}  # month rows plus day rows
    clients = {}
    for who, user in (("county", county_op), ("town", town_op)):
        client = Client()
        client.force_login(user)
        clients[who] = client

    def get(who: str, path: str, params: dict[str, str]) -> Callable[[], Any]:
        def call() -> Any:
            response = clients[who].get(path, params)
            assert response.status_code == 200, (path, response.content[:300])
            return response

        return call

    api = "/api/v1/command/numbers"
    out: dict[str, Any] = {"town": town}
    runs = {
        "API assessment, county, year": get("county", f"{api}/assessment", year),
        "API assessment, county, 15 Dec–14 Nov": get("county", f"{api}/assessment", shifted),
        "API summary, county, year": get("county", f"{api}/summary", year),
        "API workers, county, year": get("county", f"{api}/workers", year),
        "API trend, county, year (monthly)": get("county", f"{api}/trend", year),
        "page, county, year": get("county", "/command/numbers/", year),
        "API assessment, town, year": get("town", f"{api}/assessment", year),
        "page, town, year": get("town", "/command/numbers/", year),
    }
    for label, call in runs.items():
        out[label] = _time(call, requests)
        print(f"  {label}: {out[label]}", file=sys.stderr, flush=True)
    start, end = YEAR_START.date(), YEAR_END.date()
    with scopes_disabled():
        out["summary function, county, year"] = _time(
            lambda: indicators.summary(COUNTY, start, end), requests
        )
        out["naive aggregate over incidents, county, year"] = _time(
            lambda: _naive_summary(COUNTY, start, end), max(5, requests // 20)
        )
        out["naive aggregate over incidents, town, year"] = _time(
            lambda: _naive_summary(town, start, end), max(5, requests // 20)
        )
        out["summary function, town, year"] = _time(
            lambda: indicators.summary(town, start, end), requests
        )
        naive = _naive_summary(COUNTY, start, end)
        fast = indicators.summary(COUNTY, start, end)["indicators"]
    out["check: reports naive vs rollups"] = [naive["reports"], fast["reports"]]
    out["check: closed naive vs rollups"] = [naive["closed"], fast["closed"]]
    out["check: rated naive vs rollups"] = [naive["evaluated"], fast["evaluated"]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=2_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--live", type=int, default=100, help="cases through the services")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--phases", default="setup,load,rebuild,live,query")
    args = parser.parse_args()
    phases = args.phases.split(",")
    if "setup" in phases:
        _pg(f"DROP DATABASE IF EXISTS {DB}")
        _pg(f"CREATE DATABASE {DB}")
    _django()
    results: dict[str, Any] = {}
    run: dict[str, Callable[[], dict[str, Any]]] = {
        "setup": phase_setup,
        "load": lambda: phase_load(args.cases),
        "rebuild": phase_rebuild,
        "live": lambda: phase_live(args.live),
        "query": lambda: phase_query(args.requests),
    }
    try:
        for phase in phases:
            started = time.perf_counter()
            results[phase] = run[phase]()
            results[phase]["wall_s"] = time.perf_counter() - started
            print(f"{phase}: {json.dumps(results[phase], ensure_ascii=False)}", flush=True)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            _pg(f"DROP DATABASE IF EXISTS {DB}")
    if "query" in results:
        q = results["query"]
        print()
        print(f"{'request':<48}{'p50 ms':>10}{'p95 ms':>10}")
        for label, figures in q.items():
            if isinstance(figures, dict):
                print(f"{label:<48}{figures['p50_ms']:>10.1f}{figures['p95_ms']:>10.1f}")
        naive = q["naive aggregate over incidents, county, year"]["p50_ms"]
        fast = q["summary function, county, year"]["p50_ms"]
        print(f"naive ÷ rollups (county summary, p50): {naive / fast:.0f}×")


if __name__ == "__main__":
    main()
