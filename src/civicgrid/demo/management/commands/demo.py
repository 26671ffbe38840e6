"""`civicgrid demo`: Jiangsu's divisions, grids and a synthetic population for an area, demo users."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scopes_disabled

from civicgrid.accounts import services
from civicgrid.accounts.models import Organisation, User
from civicgrid.accounts.roles import Role
from civicgrid.command.rollups import fold
from civicgrid.core.errors import DomainError
from civicgrid.demo.assistance import load_assistance
from civicgrid.demo.disputes import load_disputes
from civicgrid.demo.incidents import load_incidents
from civicgrid.demo.resources import load_resources
from civicgrid.events.categories import load_defaults
from civicgrid.people.loading import load_area
from civicgrid.regions.generation import (
    GenerationResult,
    generate_grids,
    synthesize_boundaries,
)
from civicgrid.regions.importing import import_divisions
from civicgrid.regions.levels import Level
from civicgrid.regions.models import Region

DEMO_PASSWORD = "CivicGrid-Demo-2026"  # noqa: S105 - printed for the demo; demo accounts only
DEMO_AREA = "320113"  # 南京市栖霞区: the demo users sit here, whatever the scale
# The area each scale fills with grids and people; "community" is resolved to the first
# community of DEMO_AREA once the divisions are imported.
SCALES = {"community": DEMO_AREA, "district": DEMO_AREA, "city": "3201", "province": "32"}

# (user name, full name, role, level of the node they sit at, organisation key)
PERSONAS = [
    ("demo_admin", "系统管理员", Role.ADMIN, Level.PROVINCE, None),
    ("demo_security", "安全管理员", Role.SECURITY_ADMIN, Level.PROVINCE, None),
    ("demo_audit", "审计管理员", Role.AUDIT_ADMIN, Level.PROVINCE, None),
    ("demo_leader", "区领导", Role.LEADER, Level.COUNTY, None),
    ("demo_county", "区指挥中心值班员", Role.COUNTY_OPERATOR, Level.COUNTY, None),
    ("demo_civil", "区民政局科员", Role.CIVIL_AFFAIRS, Level.COUNTY, "civil"),
    ("demo_officer", "区城管局办事员", Role.DEPARTMENT_OFFICER, Level.COUNTY, "urban"),
    ("demo_town", "街道指挥中心值班员", Role.TOWN_OPERATOR, Level.TOWN, None),
    ("demo_mediator", "街道人民调解员", Role.MEDIATOR, Level.TOWN, "mediation"),
    ("demo_community", "社区全科社工", Role.COMMUNITY_STAFF, Level.COMMUNITY, None),
    ("demo_grid", "专职网格员", Role.GRID_WORKER, Level.GRID, None),
    ("demo_liaison", "微网格联络员", Role.LIAISON, Level.MICROGRID, None),
    ("demo_outsider", "邻街道网格员", Role.GRID_WORKER, Level.GRID, "sibling"),
]


# The departments incidents are dispatched to, by the sector categories name (城管 … above).
DEPARTMENTS = [
    ("住建", "{county}住房和城乡建设局", "department"),
    ("交通", "{county}交通运输局", "department"),
    ("公安", "南京市公安局{county}分局", "department"),
    ("消防", "{county}消防救援大队", "department"),
    ("应急", "{county}应急管理局", "department"),
    ("人社", "{county}人力资源和社会保障局", "department"),
    ("卫健", "{county}卫生健康委员会", "department"),
    ("司法", "{county}司法局", "department"),
    ("生态环境", "南京市{county}生态环境局", "department"),
    ("水务", "{county}水务局", "department"),
    ("园林", "{county}园林绿化管理所", "department"),
    ("市场监管", "{county}市场监督管理局", "department"),
    ("教育", "{county}教育局", "department"),
    ("燃气", "南京港华燃气{county}营业所", "enterprise"),
    ("通信", "中国电信{county}分公司", "enterprise"),
]

T = TypeVar("T")


def area_of_scale(scale: str) -> str:
    """The region code a demo scale fills (the divisions must be imported)."""
    if scale != "community":
        return SCALES[scale]
    first = (
        Region.all_objects.filter(code__startswith=DEMO_AREA, level=Level.COMMUNITY)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    if first is None:
        raise CommandError(f"no community under {DEMO_AREA}")
    return first


def ensure_grids(area: str, seed: int) -> list[GenerationResult]:
    """Generate grids for the communities under `area` that have none, leaving the others.

    generate_grids replaces what it finds (and refuses areas with imported or used grids), so
    it is called per county where a whole county is empty and per community elsewhere.
    """
    communities = set(
        Region.all_objects.filter(code__startswith=area, level=Level.COMMUNITY).values_list(
            "code", flat=True
        )
    )
    with_grids = {
        str(code)
        for code in Region.all_objects.filter(code__startswith=area, level=Level.GRID).values_list(
            "parent_id", flat=True
        )
    }
    counties_with_grids = {code[:6] for code in with_grids}
    missing = sorted(communities - with_grids)
    by_county: dict[str, list[str]] = {}
    for code in missing:
        by_county.setdefault(code[:6], []).append(code)
    results = []
    for county, codes in by_county.items():
        whole = len(area) <= len(county) and county not in counties_with_grids
        for code in [county] if whole else codes:
            results.append(generate_grids(area_code=code, seed=seed))
    return results


class Command(BaseCommand):
    help = "Load the demo world (idempotent) and print how to sign in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=list(SCALES),
            default="district",
            help="how much to fill with grids and people: the first community of 栖霞区, "
            "栖霞区 (default), 南京市 or all of Jiangsu",
        )
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, scale: str, seed: int, **options: Any) -> None:
        try:
            with scopes_disabled():
                self._build(scale, seed)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc

    def _build(self, scale: str, seed: int) -> None:
        started = time.perf_counter()
        result = self._timed("Divisions of Jiangsu", import_divisions)
        self.stdout.write(f"  {result}")
        if not Region.all_objects.filter(code="32", boundary__isnull=False).exists():
            count = self._timed(
                "Synthetic boundaries", lambda: synthesize_boundaries(root_code="32", seed=seed)
            )
            self.stdout.write(f"  drawn for {count} areas")
        area = area_of_scale(scale)
        for code in dict.fromkeys([DEMO_AREA, area]):  # the users' district first, once
            for generated in self._timed(f"Grids for {code}", partial(ensure_grids, code, seed)):
                self.stdout.write(f"  {generated}")
        loaded = self._timed(f"People for {area}", lambda: load_area(area_code=area, seed=seed))
        self.stdout.write(f"  {loaded}")
        self._users(DEMO_AREA)
        self._incidents()
        self.stdout.write(
            self.style.SUCCESS(f"Demo world ready in {time.perf_counter() - started:.1f}s.")
        )

    def _incidents(self) -> None:
        count = self._timed("Incident categories", load_defaults)
        self.stdout.write(f"  {count} classes and subclasses")
        town = self._first(DEMO_AREA, Level.TOWN)
        made = self._timed(
            f"Incidents in {town.name}", partial(load_incidents, town_code=town.code)
        )
        self.stdout.write(f"  {made} reports along the loop")
        added = self._timed(
            "Emergency resources", partial(load_resources, county_code=DEMO_AREA, seed=2026)
        )
        self.stdout.write(f"  {added} shelters, depots, fire points, AEDs and medical points")
        applied = self._timed(
            f"Assistance applications in {town.name}", partial(load_assistance, town_code=town.code)
        )
        self.stdout.write(f"  {applied} applications at every stage, sources, alerts and a roll")
        disputes = self._timed("Disputes", partial(load_disputes, county_code=DEMO_AREA, seed=2026))
        self.stdout.write(f"  {disputes} disputes taken in and mediated")
        # The cases' counts wait for a fold: add them now, not on the first visitor's page.
        folded = self._timed("Command centre numbers", fold)
        self.stdout.write(f"  {folded} changes added to the rollups")

    def _timed(self, what: str, step: Callable[[], T]) -> T:
        started = time.perf_counter()
        result = step()
        self.stdout.write(f"{what}: {time.perf_counter() - started:.1f}s")
        return result

    def _first(self, prefix: str, level: int) -> Region:
        node = (
            Region.all_objects.filter(code__startswith=prefix, level=level).order_by("code").first()
        )
        if node is None:
            raise CommandError(f"no region of level {level} under {prefix}")
        return node

    def _users(self, area: str) -> None:
        county = self._first(area, Level.COUNTY)
        town = self._first(area, Level.TOWN)
        sibling_town = (
            Region.all_objects.filter(parent__code=county.code, level=Level.TOWN)
            .exclude(code=town.code)
            .order_by("code")
            .first()
        )
        orgs = {
            "civil": services.create_organisation(
                name=f"{county.name}民政局",
                kind="department",
                sector="民政",
                region_code=county.code,
            ),
            "urban": services.create_organisation(
                name=f"{county.name}城市管理局",
                kind="department",
                sector="城管",
                region_code=county.code,
            ),
            "mediation": services.create_organisation(
                name=f"{town.name}人民调解委员会",
                kind="mediation",
                sector="调解",
                region_code=town.code,
            ),
        }
        services.create_organisation(
            name=f"国网南京{county.name}供电公司",
            kind="enterprise",
            sector="供电",
            region_code=county.code,
        )
        for sector, name, kind in DEPARTMENTS:
            services.create_organisation(
                name=name.format(county=county.name), kind=kind, sector=sector,
                region_code=county.code,
            )  # fmt: skip
        rows = []
        for username, full_name, role, level, org_key in PERSONAS:
            if org_key == "sibling":
                if sibling_town is None:
                    continue
                node, org = self._first(sibling_town.code, level), None
            elif level <= Level.COUNTY:
                node = self._first("32" if level == Level.PROVINCE else area, level)
                org = orgs.get(org_key or "")
            else:
                node, org = self._first(town.code, level), orgs.get(org_key or "")
            self._ensure_user(username, full_name, role, node, org)
            rows.append((username, str(Role(role).label), f"{node.name} ({node.code})"))
        self._print_sign_in(rows)

    def _ensure_user(
        self, username: str, full_name: str, role: str, node: Region, org: Organisation | None
    ) -> None:
        if User.objects.filter(username=username).exists():
            return
        services.create_user(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            region_code=node.code,
            organisation=org,
            full_name=full_name,
            is_demo=True,
        )

    def _print_sign_in(self, rows: list[tuple[str, str, str]]) -> None:
        self.stdout.write("")
        self.stdout.write(
            "Sign in (make run serves http://127.0.0.1:8000/) with any of these demo accounts"
        )
        self.stdout.write(f"(password for all: {DEMO_PASSWORD}):")
        for username, role, where in rows:
            self.stdout.write(f"  {username:<16} {role:<24} {where}")
