"""A seeded synthetic population of households and residents for given micro-grids, in numpy."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from civicgrid.regions.layout import node_rng

# --- the rates, their sources -----------------------------------------------------------------
# Every share the generator draws from, in one place. "approx." marks a value chosen to be
# plausible where no single official figure exists; tests check the outcome against these.
RATES: dict[str, float] = {
    # Household size (persons per family household). China 7th census 2020 shares, rounded
    # (1: 25.4%, 2: 29.7%, 3: 20.9%, 4: 13.2%, 5: 6.1%, 6+: 4.7%); Jiangsu's average is 2.60.
    # The 6+ share is split 6/7/8 ≈ 60/25/15 (approx.).
    "household_size.1": 0.254,
    "household_size.2": 0.297,
    "household_size.3": 0.209,
    "household_size.4": 0.132,
    "household_size.5": 0.061,
    "household_size.6": 0.028,
    "household_size.7": 0.012,
    "household_size.8": 0.007,
    # Age targets (outcomes, not inputs): Jiangsu 7th census 2020 bulletin — 0–14 15.21%,
    # 60+ 21.84%, 65+ 16.20% of the resident population.
    "target.age_0_14": 0.1521,
    "target.age_60_plus": 0.2184,
    "target.age_65_plus": 0.1620,
    # Residence type, drawn per household. Jiangsu 7th census: ~23.7 M of 84.7 M (≈28%) live
    # away from their registered place (incl. moves inside the province); split here into
    # "permanent" (常住, settled >6 months without local 户籍) and "floating" (流动) (approx.).
    "residence.registered": 0.72,
    "residence.permanent": 0.10,
    "residence.floating": 0.18,
    # Share of floating households whose ID numbers were issued in another Jiangsu county
    # (the rest moved inside their own county) (approx.).
    "floating.other_county": 0.85,
    # Disability: 6.34% of the population (2nd national sample survey on disability, 2006:
    # 82.96 M people); strongly age-dependent, about half of them 60+. By age band (approx.,
    # chosen so the total is ≈6.3% on the pyramid above):
    "disabled.age_0_14": 0.012,
    "disabled.age_15_59": 0.040,
    "disabled.age_60_plus": 0.160,
    # Disability types, 2006 survey shares of disabled people.
    "disability_type.visual": 0.1486,
    "disability_type.hearing": 0.2416,
    "disability_type.speech": 0.0153,
    "disability_type.physical": 0.2907,
    "disability_type.intellectual": 0.0668,
    "disability_type.mental": 0.0740,
    "disability_type.multiple": 0.1630,
    # Disability grade 1 (most severe) … 4 (approx., card-holder mix).
    "disability_grade.1": 0.10,
    "disability_grade.2": 0.20,
    "disability_grade.3": 0.30,
    "disability_grade.4": 0.40,
    # Low income, as a share of people: Jiangsu protects ~977,000 low-income people of 85 M
    # (≈1.1%, all kinds); the split by kind is approx. dibao/marginal/expenditure are drawn per
    # household; tekun (特困, no one to support them) per person among people 60+ living alone.
    "low_income.dibao": 0.0080,
    "low_income.marginal": 0.0012,
    "low_income.expenditure": 0.0005,
    "low_income.tekun_of_alone_60_plus": 0.030,
    # Children in difficulty (困境儿童), under 18 (approx.): a small base rate, much higher in
    # low-income households.
    "child_in_difficulty.base": 0.002,
    "child_in_difficulty.low_income": 0.15,
    # Registered urban unemployment ~3% of the labour force (Jiangsu statistical bulletins).
    "unemployed.age_18_59": 0.030,
    # Graduates still seeking work, ages 21–24 (approx.).
    "graduate_seeking_work.age_21_24": 0.06,
    # Veterans: ~57 M in China (Ministry of Veterans Affairs, 2018), nearly all men; by adults
    # 30+ (approx.).
    "veteran.men_30_plus": 0.08,
    "veteran.women_30_plus": 0.004,
    # Mobile phone ownership by age (approx.); children under 12 have none.
    "phone.age_12_79": 0.97,
    "phone.age_80_plus": 0.70,
}

RELATIONS: tuple[str, ...] = ("head", "spouse", "child", "parent", "grandchild", "other")
RESIDENCE_TYPES: tuple[str, ...] = ("registered", "permanent", "floating")
DISABILITY_TYPES: tuple[str, ...] = (
    "",
    "visual",
    "hearing",
    "speech",
    "physical",
    "intellectual",
    "mental",
    "multiple",
)
LOW_INCOME_KINDS: tuple[str, ...] = ("", "dibao", "tekun", "marginal", "expenditure")
TAGS: dict[str, int] = {
    "living_alone": 1 << 0,
    "disabled": 1 << 1,
    "low_income": 1 << 2,
    "child_in_difficulty": 1 << 3,
    "unemployed": 1 << 4,
    "graduate_seeking_work": 1 << 5,
    "veteran": 1 << 6,
    "key_care": 1 << 7,
}

HEAD, SPOUSE, CHILD, PARENT, GRANDCHILD, OTHER = range(6)
REGISTERED, PERMANENT, FLOATING = range(3)
DIBAO, TEKUN, MARGINAL, EXPENDITURE = range(1, 5)

# Real Jiangsu county-level codes (GB/T 2260), where floating residents' ID numbers come from.
JIANGSU_COUNTIES: tuple[int, ...] = (
    320102, 320104, 320105, 320106, 320111, 320113, 320114, 320115, 320116, 320117, 320118,
    320205, 320206, 320211, 320213, 320214, 320281, 320282,
    320302, 320303, 320321, 320322, 320324, 320381, 320382,
    320402, 320404, 320411, 320412,
    320505, 320506, 320507, 320508, 320509, 320581, 320582, 320583, 320585,
    320612, 320623, 320681, 320682, 320685,
    320703, 320722, 320723, 320724,
    320803, 320804, 320812, 320826,
    320902, 320903, 320921, 320922, 320923, 320924, 320925, 320981,
    321002, 321003, 321012, 321023, 321081, 321084,
    321102, 321111, 321112, 321181, 321182, 321183,
    321202, 321203, 321204, 321281, 321282, 321283,
    321302, 321311, 321322, 321323, 321324,
)  # fmt: skip

# Surnames with rough weights: the national top list (Ministry of Public Security, 2020
# surname report) tilted towards Jiangsu's common ones (徐, 朱, 陆, 顾, 沈, 钱 …) (approx.).
SURNAMES: dict[str, float] = {
    "王": 7.0, "张": 6.5, "陈": 6.0, "李": 5.5, "刘": 4.5, "徐": 3.5, "朱": 3.0, "周": 2.8,
    "吴": 2.6, "孙": 2.4, "杨": 2.2, "黄": 1.8, "赵": 1.7, "胡": 1.2, "马": 1.0, "高": 1.2,
    "顾": 1.0, "陆": 1.0, "沈": 0.9, "钱": 0.7, "蒋": 0.8, "丁": 0.8, "许": 1.0, "姜": 0.6,
    "汤": 0.5, "殷": 0.3, "缪": 0.2, "何": 0.8, "林": 0.7, "郭": 0.8, "宋": 0.6, "唐": 0.7,
    "韩": 0.6, "曹": 0.7, "袁": 0.6, "邓": 0.5, "冯": 0.6, "彭": 0.5, "葛": 0.4, "范": 0.5,
    "潘": 0.5, "戴": 0.5, "夏": 0.5, "俞": 0.3, "华": 0.3, "秦": 0.4, "严": 0.4, "史": 0.4,
}  # fmt: skip
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙欣博文建国志海峰"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲桂英秀兰萍婷雪琳晶颖倩洁欣怡佳雨涵梦瑶慧红梅琴月莉妍"
ROADS = (
    "中山路", "北京东路", "汉中路", "中央路", "龙蟠路", "虎踞路", "湖南路", "珠江路",
    "太平北路", "洪武路", "应天大街", "江东中路", "集庆路", "草场门大街", "仙林大道",
    "文苑路", "学海路", "天元东路", "双龙大道", "胜太路", "雨花大道", "宁丹路", "浦珠路",
    "龙华路", "迈皋桥路", "和燕路", "栖霞大道", "马群街", "紫金路", "光华路",
)  # fmt: skip

MAX_HOUSEHOLD = 8
MAX_HOUSEHOLDS_PER_MICROGRID = 9999  # household numbers carry 4 digits after the code
MAX_AGE = 100
_MICROGRID_CODE = re.compile(r"[0-9]{18}")

# Household templates: who lives together, and the head's age range. Within a size the
# weights are approx., tuned so the ages come out near the census pyramid above.
_H, _S, _C, _P, _G, _O = HEAD, SPOUSE, CHILD, PARENT, GRANDCHILD, OTHER
_TEMPLATES: tuple[tuple[float, tuple[int, ...], int, int], ...] = (
    # weight within size, roles, head age from, head age to (inclusive)
    (0.62, (_H,), 20, 59),
    (0.38, (_H,), 60, 86),
    (0.30, (_H, _S), 22, 45),
    (0.47, (_H, _S), 50, 82),
    (0.12, (_H, _C), 30, 60),
    (0.06, (_H, _G), 55, 75),
    (0.05, (_H, _O), 20, 60),
    (0.72, (_H, _S, _C), 24, 60),
    (0.10, (_H, _S, _P), 28, 52),
    (0.13, (_H, _S, _G), 50, 72),
    (0.05, (_H, _C, _C), 30, 55),
    (0.50, (_H, _S, _C, _C), 28, 55),
    (0.30, (_H, _S, _C, _P), 28, 50),
    (0.20, (_H, _S, _C, _G), 50, 72),
    (0.40, (_H, _S, _C, _P, _P), 28, 50),
    (0.35, (_H, _S, _C, _O, _G), 48, 72),
    (0.25, (_H, _S, _C, _C, _P), 28, 50),
    (0.50, (_H, _S, _C, _O, _G, _G), 48, 72),
    (0.50, (_H, _S, _C, _C, _P, _P), 30, 55),
    (1.00, (_H, _S, _C, _O, _G, _P, _P), 46, 58),
    (1.00, (_H, _S, _C, _O, _G, _G, _P, _P), 46, 58),
)

# Columns of uniform draws per micro-grid, per household and per resident. Each purpose has its
# own column, so changing one rule never shifts the draws of another.
_MG_ROAD, _MG_ROAD2, _MG_BUILDING, _MG_COLS = 0, 1, 2, 3
(
    _HH_SIZE, _HH_TEMPLATE, _HH_HEAD_AGE, _HH_GAP, _HH_HEAD_MALE, _HH_HEAD_SURNAME,
    _HH_SPOUSE_SURNAME, _HH_RESIDENCE, _HH_OTHER_COUNTY, _HH_OTHER_COUNTY_PICK, _HH_LOW_INCOME,
    _HH_ROAD, _HH_BUILDING, _HH_UNIT, _HH_FLOOR, _HH_ROOM, _HH_COLS,
) = range(17)  # fmt: skip
(
    _P_BIRTHDAY, _P_AGE, _P_GENDER, _P_SURNAME, _P_GIVEN1, _P_GIVEN2, _P_GIVEN_LEN, _P_ORDER,
    _P_PHONE_PREFIX, _P_PHONE, _P_HAS_PHONE, _P_DISABLED, _P_DISABILITY_TYPE, _P_GRADE,
    _P_TEKUN, _P_CHILD_DIFFICULTY, _P_UNEMPLOYED, _P_GRADUATE, _P_VETERAN, _P_COLS,
) = range(20)  # fmt: skip

PHONE_PREFIXES = np.array(
    [
        *range(130, 140),
        145,
        147,
        *range(150, 154),
        *range(155, 160),
        166,
        *range(170, 179),
        *range(180, 190),
        191,
        198,
        199,
    ],
    dtype=np.int64,
)

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Population:
    """Households and residents as parallel numpy columns.

    Households are grouped by micro-grid in the order given, residents by household. ASCII
    columns are fixed-width bytes (dtype S) to keep a city in memory: decode a slice with
    `.astype(str)`. Coded columns index the tuples RELATIONS, RESIDENCE_TYPES,
    DISABILITY_TYPES and LOW_INCOME_KINDS; `tags` is a bitmask of TAGS.
    """

    microgrid_codes: npt.NDArray[np.bytes_]  # S18, one per micro-grid, input order
    microgrid_household_start: IntArray  # offsets into households, length micro-grids + 1
    household_number: npt.NDArray[np.bytes_]  # S22: micro-grid code + 4 digits
    household_microgrid: npt.NDArray[np.bytes_]  # S18
    household_address: npt.NDArray[np.str_]  # U: 中山路12号3单元401室
    household_size: npt.NDArray[np.int8]
    household_resident_start: IntArray  # offsets into residents, length households + 1
    name: npt.NDArray[np.str_]  # U3
    id_number: npt.NDArray[np.bytes_]  # S18, valid per GB 11643, unique
    gender: npt.NDArray[np.bytes_]  # S1: b"M" / b"F", as the ID number says
    birth_date: npt.NDArray[np.datetime64]  # datetime64[D], as the ID number says
    phone: npt.NDArray[np.bytes_]  # S11, b"" for none
    household: npt.NDArray[np.int32]  # index into the household columns
    relation: npt.NDArray[np.int8]  # index into RELATIONS
    residence_type: npt.NDArray[np.int8]  # index into RESIDENCE_TYPES
    tags: npt.NDArray[np.uint16]  # bitmask of TAGS
    disability_type: npt.NDArray[np.int8]  # index into DISABILITY_TYPES (0: none)
    disability_grade: npt.NDArray[np.int8]  # 1 (most severe) … 4; 0: none
    low_income_kind: npt.NDArray[np.int8]  # index into LOW_INCOME_KINDS (0: none)
    id_numbers_moved: int  # ID numbers given another order code to stay unique in this run

    @property
    def n_households(self) -> int:
        return int(self.household_size.shape[0])

    @property
    def n_residents(self) -> int:
        return int(self.id_number.shape[0])

    def has_tag(self, tag: str) -> BoolArray:
        """A boolean column: which residents carry the tag."""
        return (self.tags & TAGS[tag]) != 0


def _cdf(weights: Iterable[float]) -> FloatArray:
    w = np.asarray(list(weights), dtype=np.float64)
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0  # so a draw of 0.9999… never falls off the end
    return cdf


_SIZE_CDF = _cdf(RATES[f"household_size.{s}"] for s in range(1, MAX_HOUSEHOLD + 1))


def _template_tables() -> tuple[FloatArray, IntArray, IntArray, IntArray, BoolArray]:
    # For each size, the cumulative weights of its templates and their indices, padded.
    n = len(_TEMPLATES)
    width = max(sum(1 for t in _TEMPLATES if len(t[1]) == s) for s in range(1, 9))
    cdf = np.ones((MAX_HOUSEHOLD + 1, width))
    index = np.zeros((MAX_HOUSEHOLD + 1, width), dtype=np.int64)
    for size in range(1, MAX_HOUSEHOLD + 1):
        ids = [i for i, t in enumerate(_TEMPLATES) if len(t[1]) == size]
        cdf[size, : len(ids)] = _cdf(_TEMPLATES[i][0] for i in ids)
        index[size, : len(ids)] = ids
        index[size, len(ids) :] = ids[-1]
    roles = np.full((n, MAX_HOUSEHOLD), -1, dtype=np.int64)
    ages = np.zeros((n, 2), dtype=np.int64)
    for i, (_, r, lo, hi) in enumerate(_TEMPLATES):
        roles[i, : len(r)] = r
        ages[i] = (lo, hi)
    has_grandchild = (roles == GRANDCHILD).any(axis=1)
    return cdf, index, roles, ages, has_grandchild


_T_CDF, _T_INDEX, _T_ROLES, _T_HEAD_AGES, _T_GRANDCHILD = _template_tables()
_RESIDENCE_CDF = _cdf(RATES[f"residence.{k}"] for k in RESIDENCE_TYPES)
_DISABILITY_TYPE_CDF = _cdf(RATES[f"disability_type.{k}"] for k in DISABILITY_TYPES[1:])
_GRADE_CDF = _cdf(RATES[f"disability_grade.{g}"] for g in range(1, 5))
_SURNAMES = np.array(list(SURNAMES), dtype="U1")
_SURNAME_CDF = _cdf(SURNAMES.values())
_GIVEN = (np.array(list(GIVEN_FEMALE), dtype="U1"), np.array(list(GIVEN_MALE), dtype="U1"))
# One index picks a character from either list, so the lists are kept the same length.
assert len(GIVEN_MALE) == len(GIVEN_FEMALE)
_ROADS = np.array(ROADS)
_COUNTIES = np.array(JIANGSU_COUNTIES, dtype=np.int64)
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK_BYTES = np.frombuffer(b"10X98765432", dtype=np.uint8)


def _pick(cdf: FloatArray, u: FloatArray) -> IntArray:
    return np.searchsorted(cdf, u, side="right").astype(np.int64)


@dataclass
class _Draws:
    """The raw uniforms of one chunk of micro-grids, concatenated."""

    mg: FloatArray  # (micro-grids, _MG_COLS)
    households_per_mg: IntArray
    hh: FloatArray  # (households, _HH_COLS)
    sizes: IntArray
    people: FloatArray  # (residents, _P_COLS)


def _draw(microgrids: list[tuple[str, int]], seed: int) -> _Draws:
    # The only per-micro-grid Python work: one generator per micro-grid (subset-stable), whose
    # draws are consumed in a fixed order; everything else happens on the concatenation.
    mg, hh, sizes, people = [], [], [], []
    for code, count in microgrids:
        rng = node_rng(seed, code)
        mg.append(rng.random(_MG_COLS))
        u = rng.random((count, _HH_COLS))
        s = _pick(_SIZE_CDF, u[:, _HH_SIZE]) + 1
        hh.append(u)
        sizes.append(s)
        people.append(rng.random((int(s.sum()), _P_COLS)))
    return _Draws(
        mg=np.vstack(mg),
        households_per_mg=np.array([c for _, c in microgrids], dtype=np.int64),
        hh=np.vstack(hh),
        sizes=np.concatenate(sizes),
        people=np.vstack(people),
    )


def _uniform_int(u: FloatArray, lo: IntArray | int, hi: IntArray | int) -> IntArray:
    """Integers lo..hi inclusive from uniforms in [0, 1)."""
    return (np.asarray(lo) + np.floor(u * (np.asarray(hi) - lo + 1))).astype(np.int64)


@dataclass
class _Chunk:
    """Compact per-chunk results; strings are built once for the whole run at the end."""

    hh_size: npt.NDArray[Any]
    hh_road: npt.NDArray[Any]
    hh_building: npt.NDArray[Any]
    hh_unit: npt.NDArray[Any]
    hh_floor: npt.NDArray[Any]
    hh_room: npt.NDArray[Any]
    hh_seq: npt.NDArray[Any]
    hh_mg: npt.NDArray[Any]  # index of the micro-grid in the whole run
    surname: npt.NDArray[Any]
    given1: npt.NDArray[Any]
    given2: npt.NDArray[Any]  # -1: a one-character given name
    male: npt.NDArray[Any]
    birth: npt.NDArray[np.datetime64]
    region: npt.NDArray[Any]
    order: npt.NDArray[Any]
    phone: npt.NDArray[Any]  # 0: none
    relation: npt.NDArray[Any]
    residence: npt.NDArray[Any]
    tags: npt.NDArray[Any]
    disability_type: npt.NDArray[Any]
    disability_grade: npt.NDArray[Any]
    low_income: npt.NDArray[Any]


def _build_chunk(d: _Draws, codes: list[str], mg_offset: int, on: np.datetime64) -> _Chunk:
    n_h = d.sizes.shape[0]
    hh_mg_local = np.repeat(np.arange(len(codes)), d.households_per_mg)
    mg_first_household = np.cumsum(d.households_per_mg) - d.households_per_mg
    hh_seq = np.arange(n_h) - mg_first_household[hh_mg_local] + 1  # numbered from 1 per micro-grid
    county = np.array([int(c[:6]) for c in codes], dtype=np.int64)[hh_mg_local]
    h = d.hh

    # Households: template, head, generation gap, residence and address.
    size = d.sizes
    t_col = (h[:, _HH_TEMPLATE][:, None] >= _T_CDF[size]).sum(axis=1)
    template = _T_INDEX[size, np.minimum(t_col, _T_INDEX.shape[1] - 1)]
    lo, hi = _T_HEAD_AGES[template, 0], _T_HEAD_AGES[template, 1]
    head_age = _uniform_int(h[:, _HH_HEAD_AGE], lo, hi)
    # Children are 22–35 years younger than the head (then up to 5 more for younger siblings),
    # so with a spouse ±3 years every parent–child gap stays within 18–45 even after rounding
    # ages to birth dates. Where grandchildren live, the child must be 23+ to be a parent.
    min_child = np.where(_T_GRANDCHILD[template], 23, 0)
    gap = _uniform_int(h[:, _HH_GAP], 22, np.maximum(22, np.minimum(35, head_age - min_child)))
    two_adults = (_T_ROLES[template] == SPOUSE).any(axis=1)
    head_male = h[:, _HH_HEAD_MALE] < np.where(two_adults, 0.65, 0.5)
    head_surname = _pick(_SURNAME_CDF, h[:, _HH_HEAD_SURNAME])
    spouse_surname = _pick(_SURNAME_CDF, h[:, _HH_SPOUSE_SURNAME])
    family_surname = np.where(head_male | ~two_adults, head_surname, spouse_surname)
    residence = _pick(_RESIDENCE_CDF, h[:, _HH_RESIDENCE])
    other = _COUNTIES[_uniform_int(h[:, _HH_OTHER_COUNTY_PICK], 0, len(_COUNTIES) - 1)]
    # "Another" county: where the draw hit the household's own, take the next one in the list.
    next_county = _COUNTIES[(np.searchsorted(_COUNTIES, county) + 1) % len(_COUNTIES)]
    other = np.where(other == county, next_county, other)
    from_elsewhere = (
        (residence == FLOATING) & (h[:, _HH_OTHER_COUNTY] < RATES["floating.other_county"])
    ) | ((residence == PERMANENT) & (h[:, _HH_OTHER_COUNTY] < 0.5))
    region_hh = np.where(from_elsewhere, other, county)
    li = h[:, _HH_LOW_INCOME]
    dibao, marginal, expenditure = (
        RATES["low_income.dibao"],
        RATES["low_income.marginal"],
        RATES["low_income.expenditure"],
    )
    low_income_hh = np.select(
        [li < dibao, li < dibao + marginal, li < dibao + marginal + expenditure],
        [DIBAO, MARGINAL, EXPENDITURE],
        0,
    )
    # A micro-grid spans one or two roads; buildings are numbered from a per-micro-grid start.
    mg = d.mg[hh_mg_local]
    road_a = _uniform_int(mg[:, _MG_ROAD], 0, len(ROADS) - 1)
    road_b = _uniform_int(mg[:, _MG_ROAD2], 0, len(ROADS) - 1)
    hh_road = np.where(h[:, _HH_ROAD] < 0.7, road_a, road_b)
    hh_building = _uniform_int(mg[:, _MG_BUILDING], 1, 150) + _uniform_int(h[:, _HH_BUILDING], 0, 5)
    hh_unit = _uniform_int(h[:, _HH_UNIT], 1, 4)
    hh_floor = _uniform_int(h[:, _HH_FLOOR], 1, 18)
    hh_room = _uniform_int(h[:, _HH_ROOM], 1, 4)

    # Residents: position in the household gives the role; ages follow from the head's.
    hh = np.repeat(np.arange(n_h), size)
    starts = np.cumsum(size) - size
    pos = np.arange(hh.shape[0]) - starts[hh]
    role = _T_ROLES[template[hh], pos]
    p = d.people
    a = head_age[hh]
    g = gap[hh]
    child_age = a - g - np.floor(p[:, _P_AGE] * np.minimum(6, a - g - min_child[hh] + 1))
    eldest = a - g
    grandchild_age = eldest - _uniform_int(p[:, _P_AGE], 22, np.maximum(22, np.minimum(35, eldest)))
    # "other": a child-in-law beside the eldest child, or a relative or lodger near the head.
    other_age = np.where(
        _T_GRANDCHILD[template[hh]],
        eldest + _uniform_int(p[:, _P_AGE], -3, 3),
        np.maximum(18, a + _uniform_int(p[:, _P_AGE], -10, 10)),
    )
    age = np.select(
        [
            role == HEAD,
            role == SPOUSE,
            role == CHILD,
            role == PARENT,
            role == GRANDCHILD,
        ],
        [
            a,
            np.maximum(20, a + _uniform_int(p[:, _P_AGE], -3, 3)),
            child_age,
            a + _uniform_int(p[:, _P_AGE], 22, np.minimum(38, MAX_AGE - a)),
            np.maximum(0, grandchild_age),
        ],
        other_age,
    ).astype(np.int64)
    age = np.clip(age, 0, MAX_AGE)
    # The day of birth: anywhere in the year that makes the person `age` today.
    days_back = np.floor((age + p[:, _P_BIRTHDAY]) * 365.2425).astype(np.int64)
    birth = on - days_back.astype("timedelta64[D]")

    # Gender: the spouse opposite the head, the first parent the father, otherwise even odds.
    first_parent = (role == PARENT) & (_T_ROLES[template[hh], np.maximum(pos - 1, 0)] != PARENT)
    male = np.select(
        [role == HEAD, role == SPOUSE, role == PARENT],
        [head_male[hh], ~head_male[hh], first_parent],
        p[:, _P_GENDER] < 0.51,
    )
    own_surname = _pick(_SURNAME_CDF, p[:, _P_SURNAME])
    surname = np.select(
        [
            role == HEAD,
            role == SPOUSE,
            (role == CHILD) | (role == GRANDCHILD),
            (role == PARENT) & male,
        ],
        [head_surname[hh], spouse_surname[hh], family_surname[hh], head_surname[hh]],
        own_surname,
    )
    n_given = len(_GIVEN[0])
    given1 = _uniform_int(p[:, _P_GIVEN1], 0, n_given - 1)
    given2 = np.where(p[:, _P_GIVEN_LEN] < 0.8, _uniform_int(p[:, _P_GIVEN2], 0, n_given - 1), -1)

    # ID number parts: order codes are odd for men, even for women.
    order = 2 * _uniform_int(p[:, _P_ORDER], 0, 499) + male
    phone_rate = np.where(age >= 80, RATES["phone.age_80_plus"], RATES["phone.age_12_79"])
    has_phone = (age >= 12) & (p[:, _P_HAS_PHONE] < phone_rate)
    phone_prefix = PHONE_PREFIXES[_uniform_int(p[:, _P_PHONE_PREFIX], 0, len(PHONE_PREFIXES) - 1)]
    phone = np.where(
        has_phone, phone_prefix * 10**8 + _uniform_int(p[:, _P_PHONE], 0, 10**8 - 1), 0
    )

    # Tags.
    disabled_rate = np.select(
        [age < 15, age < 60],
        [RATES["disabled.age_0_14"], RATES["disabled.age_15_59"]],
        RATES["disabled.age_60_plus"],
    )
    disabled = p[:, _P_DISABLED] < disabled_rate
    disability_type = np.where(
        disabled, _pick(_DISABILITY_TYPE_CDF, p[:, _P_DISABILITY_TYPE]) + 1, 0
    )
    disability_grade = np.where(disabled, _pick(_GRADE_CDF, p[:, _P_GRADE]) + 1, 0)
    alone = (size[hh] == 1) & (age >= 60)
    low_income = low_income_hh[hh]
    tekun = (
        alone & (low_income == 0) & (p[:, _P_TEKUN] < RATES["low_income.tekun_of_alone_60_plus"])
    )
    low_income = np.where(tekun, TEKUN, low_income)
    child_difficulty = (age < 18) & (
        p[:, _P_CHILD_DIFFICULTY]
        < np.where(
            low_income > 0,
            RATES["child_in_difficulty.low_income"],
            RATES["child_in_difficulty.base"],
        )
    )
    unemployed = (age >= 18) & (age <= 59) & (p[:, _P_UNEMPLOYED] < RATES["unemployed.age_18_59"])
    graduate = (
        (age >= 21)
        & (age <= 24)
        & ~unemployed
        & (p[:, _P_GRADUATE] < RATES["graduate_seeking_work.age_21_24"])
    )
    veteran = (age >= 30) & (
        p[:, _P_VETERAN]
        < np.where(male, RATES["veteran.men_30_plus"], RATES["veteran.women_30_plus"])
    )
    # Key care (重点关爱): the very old living alone, the severely disabled, tekun, children in
    # difficulty — the people a liaison visits first.
    key_care = (
        (alone & (age >= 80)) | (disabled & (disability_grade <= 2)) | tekun | child_difficulty
    )
    tags = (
        alone * TAGS["living_alone"]
        + disabled * TAGS["disabled"]
        + (low_income > 0) * TAGS["low_income"]
        + child_difficulty * TAGS["child_in_difficulty"]
        + unemployed * TAGS["unemployed"]
        + graduate * TAGS["graduate_seeking_work"]
        + veteran * TAGS["veteran"]
        + key_care * TAGS["key_care"]
    )
    # Kept in the narrowest dtypes: a city's chunks all live until the final assembly.
    return _Chunk(
        hh_size=size.astype(np.int8),
        hh_road=hh_road.astype(np.int16),
        hh_building=hh_building.astype(np.int16),
        hh_unit=hh_unit.astype(np.int8),
        hh_floor=hh_floor.astype(np.int8),
        hh_room=hh_room.astype(np.int8),
        hh_seq=hh_seq.astype(np.int16),
        hh_mg=(hh_mg_local + mg_offset).astype(np.int32),
        surname=surname.astype(np.int16),
        given1=given1.astype(np.int16),
        given2=given2.astype(np.int16),
        male=male.astype(bool),
        birth=birth,
        region=region_hh[hh].astype(np.int32),
        order=order.astype(np.int16),
        phone=phone.astype(np.int64),
        relation=role.astype(np.int8),
        residence=residence[hh].astype(np.int8),
        tags=tags.astype(np.uint16),
        disability_type=disability_type.astype(np.int8),
        disability_grade=disability_grade.astype(np.int8),
        low_income=low_income.astype(np.int8),
    )


def _digits_to_bytes(values: IntArray, width: int) -> npt.NDArray[np.uint8]:
    """Zero-padded decimal digits of each value as ASCII, one row per value."""
    out = np.empty((values.shape[0], width), dtype=np.uint8)
    rest = values.copy()
    for k in range(width - 1, -1, -1):
        out[:, k] = rest % 10 + 48
        rest //= 10
    return out


def _make_unique(number17: IntArray, mg_code: IntArray) -> tuple[IntArray, int]:
    """Give every clashing ID number a free order code of the same parity (same gender).

    Each micro-grid draws its order codes independently (so a subset is generated the same
    as the whole city), which lets two people of one county born on the same day draw the
    same code. Of the clashing people the one in the lowest micro-grid code (then earliest in
    it) keeps the number; the others move to the lowest free code of their parity. Only these
    moved numbers can differ between a subset run and the whole run.
    """
    by_number = np.argsort(number17, kind="stable")
    ordered = number17[by_number]
    clash = np.flatnonzero(ordered[1:] == ordered[:-1]) + 1
    if clash.size == 0:
        return number17, 0
    number17 = number17.copy()
    keys = ordered // 1000
    clash_keys = np.unique(keys[clash])
    lo = np.searchsorted(keys, clash_keys, side="left")
    hi = np.searchsorted(keys, clash_keys, side="right")
    moved = 0
    for key, a, b in zip(clash_keys.tolist(), lo.tolist(), hi.tolist(), strict=True):
        members = by_number[a:b]
        used = set((ordered[a:b] % 1000).tolist())
        groups: dict[int, list[int]] = {}
        for person in members.tolist():
            groups.setdefault(int(number17[person] % 1000), []).append(person)
        for order, people in sorted(groups.items()):
            if len(people) < 2:
                continue
            people.sort(key=lambda i: (int(mg_code[i]), i))
            for person in people[1:]:
                free = next((o for o in range(order % 2, 1000, 2) if o not in used), None)
                if free is None:  # 500 people of one gender born one day in one county
                    raise ValueError(f"no free ID order code for region/date {key}")
                used.add(free)
                number17[person] = key * 1000 + free
                moved += 1
    return number17, moved


def _id_numbers(number17: IntArray) -> npt.NDArray[np.bytes_]:
    digits = _digits_to_bytes(number17, 17)
    total = np.zeros(number17.shape[0], dtype=np.int64)
    for k in range(17):
        total += (digits[:, k].astype(np.int64) - 48) * _ID_WEIGHTS[k]
    full = np.empty((number17.shape[0], 18), dtype=np.uint8)
    full[:, :17] = digits
    full[:, 17] = _CHECK_BYTES[total % 11]
    return full.view("S18").ravel()


def _concat(chunks: list[_Chunk], name: str) -> npt.NDArray[Any]:
    return np.concatenate([getattr(c, name) for c in chunks])


def _validated(microgrids: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    items = [(str(code), int(count)) for code, count in microgrids]
    for code, count in items:
        if not _MICROGRID_CODE.fullmatch(code):
            raise ValueError(f"not an 18-digit micro-grid code: {code!r}")
        if not 0 <= count <= MAX_HOUSEHOLDS_PER_MICROGRID:
            raise ValueError(f"{code}: households must be 0..{MAX_HOUSEHOLDS_PER_MICROGRID}")
    if len({code for code, _ in items}) != len(items):
        raise ValueError("a micro-grid is listed twice")
    return items


def generate_population(
    microgrids: Iterable[tuple[str, int]],
    *,
    seed: int,
    on: date | None = None,
    chunk_size: int = 2048,
) -> Population:
    """Synthetic households and residents for (micro-grid code, households) pairs.

    Deterministic: the same seed, micro-grids and reference date `on` (default today) give the
    same output, and each micro-grid's people depend only on the seed and its own code (except
    for the rare ID number moved to stay unique, see `Population.id_numbers_moved`).
    """
    items = _validated(microgrids)
    today = np.datetime64(on or date.today(), "D")
    chunks: list[_Chunk] = []
    for start in range(0, len(items), chunk_size):
        part = items[start : start + chunk_size]
        draws = _draw(part, seed)
        chunks.append(_build_chunk(draws, [c for c, _ in part], start, today))
        del draws
    if not chunks:
        chunks.append(_build_chunk(_empty_draws(), [], 0, today))

    codes = np.array([c for c, _ in items], dtype="S18")
    counts = np.array([n for _, n in items], dtype=np.int64)
    size = _concat(chunks, "hh_size").astype(np.int8)
    hh_mg = _concat(chunks, "hh_mg").astype(np.int64)
    hh_seq = _concat(chunks, "hh_seq").astype(np.int64)

    # Households: number = micro-grid code + 4 digits; address from the word lists.
    code_bytes = codes.view(np.uint8).reshape(-1, 18) if codes.size else np.zeros((0, 18), np.uint8)
    number = np.empty((size.shape[0], 22), dtype=np.uint8)
    number[:, :18] = code_bytes[hh_mg]
    number[:, 18:] = _digits_to_bytes(hh_seq, 4)
    road = _ROADS[_concat(chunks, "hh_road")]
    building = _concat(chunks, "hh_building").astype(np.int16).astype(np.str_)
    unit = _concat(chunks, "hh_unit").astype(np.int16).astype(np.str_)
    room = _concat(chunks, "hh_floor").astype(np.int16) * 100 + _concat(chunks, "hh_room")
    address = road
    for piece in (building, "号", unit, "单元", room.astype(np.str_), "室"):
        address = np.strings.add(address, piece)
    # np.strings.add sizes its result for the longest piece of every part; shrink to the real
    # longest address, which saves a third of the biggest column.
    if address.size:
        address = address.astype(f"U{int(np.strings.str_len(address).max())}")
    del road, building, unit, room

    # Residents.
    male = _concat(chunks, "male").astype(bool)
    birth = _concat(chunks, "birth").astype("datetime64[D]")
    years = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    months = birth.astype("datetime64[M]")
    month = months.astype(np.int64) % 12 + 1
    day = (birth - months.astype("datetime64[D]")).astype(np.int64) + 1
    region = _concat(chunks, "region").astype(np.int64)
    order = _concat(chunks, "order").astype(np.int64)
    number17 = region * 10**11 + years * 10**7 + month * 10**5 + day * 10**3 + order
    del years, months, month, day, order
    household = np.repeat(np.arange(size.shape[0], dtype=np.int32), size)
    mg_code_int = codes.astype(np.int64)[hh_mg][household]
    number17, moved = _make_unique(number17, mg_code_int)
    del mg_code_int
    id_number = _id_numbers(number17)
    del number17

    given1 = _concat(chunks, "given1")
    given2 = _concat(chunks, "given2")
    first = np.where(male, _GIVEN[1][given1], _GIVEN[0][given1])
    # -1 marks a one-character given name; index 0 is a stand-in that np.where discards.
    second_index = np.maximum(given2, 0)
    second = np.where(
        given2 < 0, "", np.where(male, _GIVEN[1][second_index], _GIVEN[0][second_index])
    )
    name = np.strings.add(np.strings.add(_SURNAMES[_concat(chunks, "surname")], first), second)
    del first, second, given1, given2

    phone_int = _concat(chunks, "phone").astype(np.int64)
    phone = _digits_to_bytes(phone_int, 11).view("S11").ravel()
    phone = np.where(phone_int > 0, phone, b"")

    resident_start = np.zeros(size.shape[0] + 1, dtype=np.int64)
    np.cumsum(size, out=resident_start[1:])
    household_start = np.zeros(len(items) + 1, dtype=np.int64)
    np.cumsum(counts, out=household_start[1:])
    return Population(
        microgrid_codes=codes,
        microgrid_household_start=household_start,
        household_number=number.view("S22").ravel(),
        household_microgrid=codes[hh_mg],
        household_address=address,
        household_size=size,
        household_resident_start=resident_start,
        name=name,
        id_number=id_number,
        gender=np.where(male, b"M", b"F"),
        birth_date=birth,
        phone=phone,
        household=household,
        relation=_concat(chunks, "relation").astype(np.int8),
        residence_type=_concat(chunks, "residence").astype(np.int8),
        tags=_concat(chunks, "tags").astype(np.uint16),
        disability_type=_concat(chunks, "disability_type").astype(np.int8),
        disability_grade=_concat(chunks, "disability_grade").astype(np.int8),
        low_income_kind=_concat(chunks, "low_income").astype(np.int8),
        id_numbers_moved=moved,
    )


def _empty_draws() -> _Draws:
    return _Draws(
        mg=np.zeros((0, _MG_COLS)),
        households_per_mg=np.zeros(0, dtype=np.int64),
        hh=np.zeros((0, _HH_COLS)),
        sizes=np.zeros(0, dtype=np.int64),
        people=np.zeros((0, _P_COLS)),
    )
