"""Demo social assistance: a few dozen applications of one community at every stage, the
file-backed verification sources (with deliberate mismatches), alerts and this month's roll."""

from __future__ import annotations

import csv
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from civicgrid.accounts.models import User
from civicgrid.accounts.roles import Role
from civicgrid.assistance import adapters
from civicgrid.assistance.models import Application
from civicgrid.assistance.services import applications as apps
from civicgrid.assistance.services import monitoring, payments, plans
from civicgrid.assistance.services.applications import ItemIn
from civicgrid.assistance.services.verification import verify_many
from civicgrid.core.errors import DomainError
from civicgrid.people.models import Household, Resident

STAGES = ["received", "home_visit", "town_review", "notice", "approved", "approved", "approved"]


def _write_sources(folder: Path, rows: dict[str, list[tuple[str, str, int, str]]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in adapters.SOURCES:
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(["id_number", "kind", "amount_fen", "detail"])
            out.writerows(rows.get(name, []))


def load_assistance(*, town_code: str, households: int = 35, seed: int = 2026) -> int:
    """Idempotent: nothing is added when the town already has applications."""
    if Application.all_objects.filter(region__code__startswith=town_code).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    staff = User.objects.filter(
        role=Role.COMMUNITY_STAFF, region__code__startswith=town_code
    ).first()
    town = User.objects.filter(role=Role.TOWN_OPERATOR, region_id=town_code).first()
    civil = User.objects.filter(role=Role.CIVIL_AFFAIRS, region_id=town_code[:6]).first()
    if staff is None or town is None or civil is None:
        return 0
    chosen = list(
        Household.all_objects.filter(region__code__startswith=staff.region_code).order_by("pk")[
            :households
        ]
    )
    sources: dict[str, list[tuple[str, str, int, str]]] = {}
    plan: list[tuple[Household, str, list[ItemIn]]] = []
    for i, household in enumerate(chosen):
        members = list(Resident.all_objects.filter(household=household).order_by("pk"))
        if not members:
            continue
        items = []
        for person in members:
            wages = rng.choice([0, 0, 0, 600_000, 1_200_000, 1_800_000])
            if wages:
                items.append(ItemIn("income", "wages", wages, person.pk))
                # One household in five hides part of its wages: verification finds it.
                told = wages if i % 5 else wages + 900_000
                sources.setdefault("hrss", []).append(
                    (person.id_number, "income:wages", told, "用工单位")
                )
            deposits = rng.choice([0, 500_000, 1_500_000])
            if deposits:
                items.append(ItemIn("asset", "deposits", deposits, person.pk))
                sources.setdefault("banks", []).append(
                    (person.id_number, "asset:deposits", deposits, "银行")
                )
        if i % 11 == 3:  # an undeclared car
            sources.setdefault("vehicles", []).append(
                (members[0].id_number, "asset:vehicle", 6_000_000, "苏A·D2026")
            )
        plan.append((household, members[0].id_number, items))
    folder = adapters.source_folder()
    _write_sources(folder, sources)
    now = timezone.now()
    start = now - timedelta(days=40)
    made: list[tuple[Application, str]] = []
    for i, (_household, applicant, items) in enumerate(plan):
        try:
            a = apps.register_application(
                applicant_id_number=applicant, by=staff, items=items, now=start,
                bank_name="南京银行", bank_account=f"62220{rng.randint(10**10, 10**11 - 1)}",
            )  # fmt: skip
        except DomainError:
            continue
        made.append((a, STAGES[i % len(STAGES)]))
    _advance(made, staff, town, civil, start, now)
    # Since approval, one paid household bought a car: monitoring finds it.
    paid = Application.all_objects.filter(
        region__code__startswith=town_code, payment="active"
    ).first()
    if paid is not None:
        head = paid.members.select_related("resident").first()
        if head is not None:
            sources.setdefault("vehicles", []).append(
                (head.resident.id_number, "asset:vehicle", 8_000_000, "苏A·N0001")
            )
            _write_sources(folder, sources)
    monitoring.run_monitoring(region_code=town_code, by=None, now=now)
    month = now.date().replace(day=1)
    payments.build_roll(county_code=town_code[:6], month=month, by=civil)
    return len(made)


def _advance(
    made: list[tuple[Application, str]], staff: User, town: User, civil: User, start: Any, now: Any
) -> None:
    """Take each application as far as its stage, verifying all of them in one go."""
    later = [a for a, stage in made if stage != "received"]
    for a in later:
        apps.accept(application=a, by=staff, version=1, now=start)
    reviewed = [a for a, stage in made if stage not in ("received", "home_visit")]
    for a in reviewed:
        apps.record_visit(
            application=a, visit="入户核实：家庭成员、住房及生活情况与申报一致", by=staff,
            version=2, now=start + timedelta(days=3),
        )  # fmt: skip
    verify_many(applications=reviewed, by=town, now=start + timedelta(days=5))
    for a, stage in made:
        if stage not in ("notice", "approved"):
            continue
        try:
            a.flow.refresh_from_db()  # type: ignore[union-attr]
            notice = now - timedelta(days=2) if stage == "notice" else start + timedelta(days=8)
            apps.propose(application=a, by=town, version=a.flow.version, now=notice)  # type: ignore[union-attr]
            if stage == "notice":
                continue
            done = start + timedelta(days=16)
            apps.close_notice(application=a, by=town, version=a.flow.version, now=done)  # type: ignore[union-attr]
            apps.approve(application=a, by=civil, version=a.flow.version, now=done)  # type: ignore[union-attr]
            name = staff.get_full_name() or staff.username
            plans.make_plan(application=a, responsible=name, by=town, now=done)
        except DomainError:
            continue  # a household the rules refuse stays where it stopped
