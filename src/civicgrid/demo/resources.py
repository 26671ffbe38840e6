"""Demo emergency resources: shelters, depots and medical points per town, micro fire stations
and AEDs in communities, two fire stations — a few dozen across the demo district."""

from __future__ import annotations

import random

import shapely

from civicgrid.regions.levels import Level
from civicgrid.regions.models import Region
from civicgrid.resources import services
from civicgrid.resources.models import Kind, Resource

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
# (kind, name pattern, capacity, unit, contact title); {place} is the town or community name.
PER_TOWN: list[tuple[str, str, int | None, str, str]] = [
    (Kind.SHELTER, "{place}应急避难场所（中心公园）", 3000, "人", "管理员"),
    (Kind.MATERIALS_DEPOT, "{place}应急物资仓库", 1200, "件", "仓库主管"),
    (Kind.MEDICAL_POINT, "{place}社区卫生服务中心", 40, "床位", "值班医生"),
]
PER_COMMUNITY: list[tuple[str, str, int | None, str, str]] = [
    (Kind.MICRO_FIRE_STATION, "{place}微型消防站", 6, "人", "站长"),
    (Kind.AED, "{place}党群服务中心AED", None, "", "网格长"),
]
FIRE_STATIONS = 2


def _inside(region_code: str, rng: random.Random) -> tuple[float, float] | None:
    """A point inside one of the area's micro-grids (chosen at random)."""
    cells = list(
        Region.all_objects.filter(
            code__startswith=region_code, level=Level.MICROGRID, boundary__isnull=False
        )
        .order_by("code")
        .values_list("boundary", flat=True)[:400]
    )
    if not cells:
        return None
    point = shapely.point_on_surface(shapely.from_wkb(bytes(rng.choice(cells) or b"")))
    return round(point.x, 6), round(point.y, 6)


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"025-8{rng.randint(0, 9_999_999):07d}"
    return f"139{rng.randint(0, 99_999_999):08d}"


def load_resources(*, county_code: str, seed: int = 2026) -> int:
    """Idempotent: nothing is added when the county already has resources."""
    if Resource.all_objects.filter(region__code__startswith=county_code).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    made = 0

    def add(kind: str, name: str, area: str, capacity: int | None, unit: str, title: str) -> None:
        nonlocal made
        point = _inside(area, rng)
        if point is None:
            return
        services.create_resource(
            kind=kind, name=name, lng=point[0], lat=point[1], by=None, capacity=capacity,
            capacity_unit=unit, contact_name=rng.choice(SURNAMES) + title,
            contact_phone=_phone(rng),
        )  # fmt: skip
        made += 1

    towns = Region.all_objects.filter(parent__code=county_code, level=Level.TOWN).order_by("code")
    for i, town in enumerate(towns):
        for kind, pattern, size, unit, title in PER_TOWN:
            add(kind, pattern.format(place=town.name), town.code, size, unit, title)
        community = (
            Region.all_objects.filter(parent__code=town.code, level=Level.COMMUNITY)
            .order_by("code")
            .first()
        )
        if community is not None:
            for kind, pattern, amount, unit, title in PER_COMMUNITY:
                add(
                    kind,
                    pattern.format(place=community.name),
                    community.code,
                    amount,
                    unit,
                    title,
                )
        if i < FIRE_STATIONS:
            add(Kind.FIRE_STATION, f"{town.name}消防救援站", town.code, 30, "人", "站长")
    return made
