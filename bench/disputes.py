"""Disputes at provincial scale on PostgreSQL: grade and route 620,000 open disputes in one batch
(after a rule change), and the statistics page of a city over a year.

Run: PYTHONPATH=src /work/main/.venv/bin/python bench/disputes.py [--disputes 620000]
     [--requests 60] [--keep] [--reuse] [--change lower|days-open-off|none]

Builds its own database (civicgrid_bench_disputes, dropped afterwards unless --keep): a
synthetic region tree of Jiangsu's size (13 cities, 8 counties each, 10 towns per county, 15
communities per town: 15,600 communities), a people's mediation committee per community and
town, four professional committees per county (labour, medical, traffic, property), and
620,000 disputes with flows written with COPY, received over the past year, graded by the
shipped rules, none routed yet; 南京 (3201) gets 15% of them (a large city's year).

  batch   `regrade_all` after a rule change that lowers two thresholds: read, grade and route
          with numpy, write the changed grades (with their reasons) and the suggested
          organisations with set-based statements; wall time per phase.
  stats   p50/p95 server time of the numbers page and API for 南京 over the year (Django's
          test client in-process, signed in as a city leader): whole months from the monthly
          counts (disputes.counts), the first and last part-months from the disputes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # the test factories build the committees

DB = "civicgrid_bench_disputes"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = f"postgres://postgres@127.0.0.1:5432/{DB}"
SEED = 2026
CITIES, COUNTIES, TOWNS, COMMUNITIES = 13, 8, 10, 15
TYPES = ["neighbour", "family", "property", "labour", "medical", "traffic", "consumer", "land", "damages", "finance", "construction", "other"]  # fmt: skip
PROFESSIONAL = {"labour": ["labour", "construction"], "medical": ["medical"], "traffic": ["traffic"], "property": ["property"]}  # fmt: skip


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def _django() -> None:
    os.environ["DATABASE_URL"] = PG_BENCH
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()


def _copy(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.connection  # psycopg 3
        with raw.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def setup(n: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from civicgrid.accounts.roles import Role
    from civicgrid.disputes import rules
    from civicgrid.regions.levels import Level
    from tests import factories as f

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    rng = random.Random(SEED)
    regions: list[tuple[Any, ...]] = [("32", "江苏省", Level.PROVINCE, None)]
    communities: list[str] = []
    towns: list[str] = []
    counties: list[str] = []
    for c in range(1, CITIES + 1):
        city = f"32{c:02d}"
        regions.append((city, f"市{c}", Level.CITY, "32"))
        for k in range(1, COUNTIES + 1):
            county = f"{city}{k:02d}"
            counties.append(county)
            regions.append((county, f"区{c}-{k}", Level.COUNTY, city))
            for t in range(1, TOWNS + 1):
                town = f"{county}{t:03d}"
                towns.append(town)
                regions.append((town, f"街道{c}-{k}-{t}", Level.TOWN, county))
                for m in range(1, COMMUNITIES + 1):
                    code = f"{town}{m:03d}"
                    communities.append(code)
                    regions.append((code, f"社区{c}-{k}-{t}-{m}", Level.COMMUNITY, town))
    _copy("regions_region", ["code", "name", "level", "parent_id", "households", "residents", "boundary_is_synthetic", "source", "updated_at"],
          [(*r, 0, 0, True, "generated", datetime.now().astimezone()) for r in regions])  # fmt: skip
    # Mediation organisations and their profiles.
    orgs: list[tuple[str, str, list[str]]] = []
    for code in communities + towns:
        orgs.append((f"{code}人民调解委员会", code, []))
    for county in counties:
        for name, types in PROFESSIONAL.items():
            orgs.append((f"{county}{name}调解委员会", county, types))
    _copy("accounts_organisation", ["name", "kind", "sector", "region_id", "is_active"],
          [(name, "mediation", "调解", code, True) for name, code, _t in orgs])  # fmt: skip
    import json

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name FROM accounts_organisation")
        ids = dict((name, pk) for pk, name in cursor.fetchall())
    _copy(
        "disputes_mediationprofile",
        ["organisation_id", "channel", "dispute_types", "capacity", "named_mediator"],
        [
            (ids[name], "professional" if types else "peoples", json.dumps(types), 30, "")
            for name, _c, types in orgs
        ],
    )
    # Disputes and their flows, graded by the shipped rules.
    import numpy as np

    from civicgrid.disputes.models import COLOURS

    now = datetime.now().astimezone()
    nanjing = [c for c in communities if c.startswith("3201")]
    place = [rng.choice(nanjing) if rng.random() < 0.15 else rng.choice(communities) for _ in range(n)]  # fmt: skip
    facts = {
        "people_involved": np.array(
            [rng.choice([2, 2, 2, 3, 4, 6, 12, 40]) for _ in range(n)], dtype=float
        ),
        "amount": np.array(
            [rng.choice([0, 2000, 8000, 30000, 60000, 250000, 2_000_000]) for _ in range(n)],
            dtype=float,
        ),
        "repeat_petitions": np.array(
            [rng.choice([0, 0, 0, 0, 1, 3]) for _ in range(n)], dtype=float
        ),
        "days_open": np.zeros(n),
        "threat_violence": np.array([rng.random() < 0.01 for _ in range(n)]),
        "threat_self_harm": np.array([rng.random() < 0.005 for _ in range(n)]),
        "group_incident": np.array([rng.random() < 0.005 for _ in range(n)]),
        "vulnerable_party": np.array([rng.random() < 0.1 for _ in range(n)]),
    }
    defaults = rules.parse(rules.default_document())
    colour, _met = rules.grade_arrays(facts, defaults)
    received = [now - timedelta(days=rng.random() * 364) for _ in range(n)]
    flows = []
    for i in range(n):
        flows.append(("dispute", "registered", 1, place[i], TYPES[i % len(TYPES)], int(colour[i]), received[i], received[i] + timedelta(hours=48), None, False, None, None, received[i], received[i]))  # fmt: skip
    _copy("workflow_flow", ["workflow", "state", "version", "region_id", "category", "priority", "stage_started_at", "due_at", "due_soon_at", "overdue", "content_type_id", "object_id", "created_at", "updated_at"], flows)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM workflow_flow WHERE workflow = 'dispute' ORDER BY id")
        flow_ids = [row[0] for row in cursor.fetchall()]
    settings = [defaults.colour(c) for c in COLOURS]
    rows = []
    for i in range(n):
        rows.append((
            f"B{i:012d}", flow_ids[i], TYPES[i % len(TYPES)], place[i], "", "window", "", "纠纷事实",
            facts["amount"][i], int(facts["people_involved"][i]), int(facts["repeat_petitions"][i]),
            bool(facts["threat_violence"][i]), bool(facts["threat_self_harm"][i]), bool(facts["group_incident"][i]),
            bool(facts["vulnerable_party"][i]), "", "", "", 0, received[i],
        ))  # fmt: skip
    _copy("disputes_dispute", ["number", "flow_id", "dispute_type_id", "region_id", "address", "source", "source_ref", "facts", "amount", "people_involved", "repeat_petitions", "threat_violence", "threat_self_harm", "group_incident", "vulnerable_party", "outcome", "next_channel", "outcome_note", "reopened", "received_at"], rows)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM disputes_dispute ORDER BY number")
        dispute_ids = [row[0] for row in cursor.fetchall()]
    grades = []
    for i in range(n):
        s = settings[int(colour[i])]
        grades.append((dispute_ids[i], COLOURS[int(colour[i])], "[]", s.level, received[i] + timedelta(days=s.days), s.follow_up_days, s.follow_ups, 0))  # fmt: skip
    _copy("disputes_disputegrade", ["dispute_id", "colour", "colour_reasons", "level", "due_at", "follow_up_days", "follow_ups_required", "escalations"], grades)  # fmt: skip
    from django.db import transaction

    from civicgrid.disputes import counts

    with transaction.atomic():
        counts.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    f.user("bench_leader", Role.LEADER, "3201")
    return {"regions": len(regions), "organisations": len(orgs), "disputes": n, "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip


def batch(change: str = "lower") -> dict[str, Any]:
    """`change`: lower (two thresholds lowered), days-open-off (the days-open rules removed, on
    top of the active set), none (the same rules again: the daily sweep)."""
    from civicgrid.core.actor import SYSTEM
    from civicgrid.disputes import rules
    from civicgrid.disputes.services import grading

    if change == "lower":
        document = rules.default_document()
        for rule in document["rules"]:
            if rule["code"] == "amount_50k":
                rule["value"] = 20000
            if rule["code"] == "people_10":
                rule["value"] = 6
        rules.activate(name="bench: lower thresholds", document=document)
    elif change == "days-open-off":
        from civicgrid.disputes.models import RuleSet

        document = RuleSet.objects.get(is_active=True).document
        document["rules"] = [r for r in document["rules"] if r["fact"] != "days_open"]
        rules.activate(name="bench: days-open rules off", document=document)
    started = time.perf_counter()
    result = grading.regrade_all(by=SYSTEM)
    wall = time.perf_counter() - started
    return {"graded": result.graded, "changed": result.changed, "routed": result.routed, "wall_s": round(wall, 2), **{f"{k}_s": round(v, 2) for k, v in result.seconds.items()}, **{f"write {k}_s": round(v, 2) for k, v in result.write_seconds.items()}}  # fmt: skip


def stats(requests: int) -> dict[str, Any]:
    from django.conf import settings
    from django.test import Client

    from civicgrid.accounts.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(username="bench_leader"))
    today = datetime.now().date()
    since = today - timedelta(days=365)
    out = {}
    for name, url in (
        ("page", f"/disputes/numbers/?area=3201&since={since}&until={today}&by=area"),
        ("api", f"/api/v1/disputes/numbers?area=3201&since={since}&until={today}&by=area"),
    ):
        client.get(url)  # warm
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        times.sort()
        out[name] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * len(times)) - 1], 1)}  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disputes", type=int, default=620_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="run on the database kept by an earlier --keep run (implies --keep)")  # fmt: skip
    parser.add_argument("--change", choices=("lower", "days-open-off", "none"), default="lower", help="the rule change before the batch")  # fmt: skip
    args = parser.parse_args()
    args.keep = args.keep or args.reuse
    if not args.reuse:
        _pg(f"DROP DATABASE IF EXISTS {DB}")
        _pg(f"CREATE DATABASE {DB}")
    try:
        _django()
        from django_scopes import scopes_disabled

        with scopes_disabled():
            if not args.reuse:
                built = setup(args.disputes)
                print(f"setup: {built}")
            graded = batch(args.change)
            from django.db import connection

            with connection.cursor() as cursor:  # what autovacuum does after a big batch
                cursor.execute("VACUUM ANALYZE disputes_disputegrade")
                cursor.execute("VACUUM ANALYZE workflow_flow")
            numbers = stats(args.requests)
        print()
        print("| measure | value |")
        print("|---|---|")
        for key, value in graded.items():
            print(f"| batch {key} | {value} |")
        for name, figures in numbers.items():
            print(f"| numbers {name} (南京, one year) p50 / p95 ms | {figures['p50_ms']} / {figures['p95_ms']} |")  # fmt: skip
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            _pg(f"DROP DATABASE IF EXISTS {DB}")


if __name__ == "__main__":
    main()
