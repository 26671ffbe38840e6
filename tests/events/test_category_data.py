"""The default incident and component taxonomy (events/data/categories.json) keeps its rules.

Plain data checks, no database: every check returns the problems it finds (with the offending
code), so one run lists all mistakes in the file, and each check is also shown to catch a broken
copy of the data.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

CATEGORIES_JSON = Path(__file__).resolve().parents[2] / "src/civicgrid/events/data/categories.json"

TOP_KEYS = {"code", "name", "name_en", "kind", "children"}
CHILD_KEYS = {"code", "name", "name_en", "sector", "priority", "hours", "photo_required", "open311"}
KINDS = {"event", "component"}  # 事件, 部件
SECTORS = {
    "城管", "住建", "交通", "公安", "消防", "应急", "民政", "人社", "卫健", "司法",
    "调解", "生态环境", "水务", "供电", "燃气", "通信", "园林", "市场监管", "教育",
}  # fmt: skip
NORMAL, URGENT, EMERGENCY = 0, 1, 2
# 立案, 派遣, 签收, 处置, 核查: "problems found on patrol are solved within 24 hours".
DEFAULT_HOURS = {"register": 1, "dispatch": 1, "accept": 1, "handle": 18, "verify": 3}
MAX_LOOP_HOURS = 24
MAX_EMERGENCY_HOURS = 8
OPEN311_KEYS = {"keywords", "group", "attributes"}
LIST_DATATYPES = {"singlevaluelist", "multivaluelist"}
OPEN311_DATATYPES = {"string", "number", "datetime", "text"} | LIST_DATATYPES
ATTRIBUTE_KEYS = {"code", "datatype", "required", "description", "order"}

Taxonomy = list[dict[str, Any]]


def load() -> Taxonomy:
    return json.loads(CATEGORIES_JSON.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load()


def subcategories(data: Taxonomy):
    for top in data:
        for child in top.get("children") or []:
            yield top, child


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def loop_hours(child: dict[str, Any]) -> float:
    return sum((child["hours"] or DEFAULT_HOURS).values())


def top_class(data: Taxonomy, name: str) -> dict[str, Any]:
    return next(top for top in data if top["name"] == name)


# --- the checks --------------------------------------------------------------------------------


def structure_problems(data: Taxonomy) -> list[str]:
    if not isinstance(data, list) or not data:
        return ["the file must hold a non-empty list of top classes"]
    problems = []
    for top in data:
        if set(top) != TOP_KEYS:
            problems.append(f"{top.get('code')}: keys {sorted(top)} != {sorted(TOP_KEYS)}")
            continue
        if top["kind"] not in KINDS:
            problems.append(f"{top['code']}: kind {top['kind']!r} is not one of {sorted(KINDS)}")
        if not isinstance(top["children"], list) or not top["children"]:
            problems.append(f"{top['code']}: a top class needs at least one subcategory")
            continue
        for child in top["children"]:
            if set(child) != CHILD_KEYS:
                problems.append(
                    f"{child.get('code')}: keys {sorted(child)} != {sorted(CHILD_KEYS)}"
                )
    return problems


def code_problems(data: Taxonomy) -> list[str]:
    problems = []
    codes = [top["code"] for top in data] + [child["code"] for _, child in subcategories(data)]
    problems += [f"{code}: code used {n} times" for code, n in Counter(codes).items() if n > 1]
    for top in data:
        code = top["code"]
        if not (isinstance(code, str) and len(code) == 2 and code.isdigit()):
            problems.append(f"{code!r}: a top-class code is two digits")
    for top, child in subcategories(data):
        code = child["code"]
        if not (isinstance(code, str) and len(code) == 4 and code.isdigit()):
            problems.append(f"{code!r}: a subcategory code is four digits")
        elif not code.startswith(top["code"]):
            problems.append(f"{code}: does not start with its parent's code {top['code']}")
    return problems


def name_problems(data: Taxonomy) -> list[str]:
    problems = []
    entries = list(data) + [child for _, child in subcategories(data)]
    for entry in entries:
        for key in ("name", "name_en"):
            if not (isinstance(entry[key], str) and entry[key].strip()):
                problems.append(f"{entry['code']}: {key} is empty")
    # A reporter picks a subcategory by name alone, so names must not repeat anywhere.
    for names in ([t["name"] for t in data], [c["name"] for _, c in subcategories(data)]):
        problems += [f"{name}: name used {n} times" for name, n in Counter(names).items() if n > 1]
    return problems


def sector_and_priority_problems(data: Taxonomy) -> list[str]:
    problems = []
    for _, child in subcategories(data):
        if child["sector"] not in SECTORS:
            problems.append(f"{child['code']}: unknown sector {child['sector']!r}")
        if child["priority"] not in (NORMAL, URGENT, EMERGENCY) or isinstance(
            child["priority"], bool
        ):
            problems.append(f"{child['code']}: priority {child['priority']!r} is not 0, 1 or 2")
    return problems


def hours_problems(data: Taxonomy) -> list[str]:
    problems = []
    for _, child in subcategories(data):
        code, hours = child["code"], child["hours"]
        if hours is None:
            continue
        if not isinstance(hours, dict) or set(hours) != set(DEFAULT_HOURS):
            problems.append(f"{code}: hours must be null or name exactly {sorted(DEFAULT_HOURS)}")
            continue
        if not all(is_number(v) and v > 0 for v in hours.values()):
            problems.append(f"{code}: every stage needs a positive number of hours: {hours}")
            continue
        if sum(hours.values()) > MAX_LOOP_HOURS:
            problems.append(f"{code}: the loop takes {sum(hours.values())} h, over 24 h")
    return problems


def priority_loop_problems(data: Taxonomy) -> list[str]:
    problems = []
    for _, child in subcategories(data):
        code, total = child["code"], loop_hours(child)
        if child["priority"] == EMERGENCY and total > MAX_EMERGENCY_HOURS:
            problems.append(f"{code}: an emergency must close within 8 h, not {total} h")
        if child["priority"] == URGENT and total >= sum(DEFAULT_HOURS.values()):
            problems.append(f"{code}: an urgent case must run faster than the default loop")
    return problems


def photo_problems(data: Taxonomy) -> list[str]:
    problems = []
    for top, child in subcategories(data):
        if not isinstance(child["photo_required"], bool):
            problems.append(f"{child['code']}: photo_required must be true or false")
        elif top["kind"] == "component" and not child["photo_required"]:
            problems.append(f"{child['code']}: a component (部件) is a thing: it needs a photo")
    return problems


def open311_problems(data: Taxonomy) -> list[str]:
    problems = []
    for _, child in subcategories(data):
        service, code = child["open311"], child["code"]
        if service is None:
            continue
        if not isinstance(service, dict) or set(service) != OPEN311_KEYS:
            problems.append(f"{code}: open311 must be null or name exactly {sorted(OPEN311_KEYS)}")
            continue
        keywords = service["keywords"]
        if not (isinstance(keywords, list) and keywords):
            problems.append(f"{code}: open311 keywords must be a non-empty list")
        # GeoReport v2 serves keywords as one comma-separated string.
        elif not all(isinstance(k, str) and k.strip() and "," not in k for k in keywords):
            problems.append(f"{code}: keywords must be non-empty and free of commas: {keywords}")
        elif len(set(keywords)) != len(keywords):
            problems.append(f"{code}: repeated keyword in {keywords}")
        if not (isinstance(service["group"], str) and service["group"].strip()):
            problems.append(f"{code}: open311 group is empty")
        if not isinstance(service["attributes"], list):
            problems.append(f"{code}: open311 attributes must be a list (may be empty)")
            continue
        problems += attribute_problems(code, service["attributes"])
    return problems


def attribute_problems(code: str, attributes: list[dict[str, Any]]) -> list[str]:
    problems = []
    for attribute in attributes:
        where = f"{code}/{attribute.get('code')}"
        is_list = attribute.get("datatype") in LIST_DATATYPES
        if is_list != ("values" in attribute):
            problems.append(f"{where}: values are required for list types and forbidden otherwise")
            continue
        expected = ATTRIBUTE_KEYS | {"values"} if is_list else ATTRIBUTE_KEYS
        if set(attribute) != expected:
            problems.append(f"{where}: keys {sorted(attribute)} != {sorted(expected)}")
            continue
        if attribute["datatype"] not in OPEN311_DATATYPES:
            problems.append(f"{where}: datatype {attribute['datatype']!r} is not Open311's")
        if not (isinstance(attribute["code"], str) and attribute["code"].strip()):
            problems.append(f"{where}: attribute code is empty")
        if not isinstance(attribute["required"], bool):
            problems.append(f"{where}: required must be true or false")
        if not (isinstance(attribute["description"], str) and attribute["description"].strip()):
            problems.append(f"{where}: description is empty")
        if is_list:
            values = attribute["values"]
            if not (isinstance(values, list) and values):
                problems.append(f"{where}: a list attribute needs values")
                continue
            if any(
                set(v) != {"key", "name"} or not all(isinstance(x, str) and x for x in v.values())
                for v in values
            ):
                problems.append(f"{where}: each value is a non-empty key and name")
            elif len({v["key"] for v in values}) != len(values):
                problems.append(f"{where}: repeated value key")
    codes = [a.get("code") for a in attributes]
    problems += [
        f"{code}/{c}: attribute code used {n} times" for c, n in Counter(codes).items() if n > 1
    ]
    orders = [a.get("order") for a in attributes]
    if orders != list(range(1, len(attributes) + 1)):
        problems.append(f"{code}: attribute orders {orders} must run 1..n")
    return problems


CHECKS = [
    structure_problems,
    code_problems,
    name_problems,
    sector_and_priority_problems,
    hours_problems,
    priority_loop_problems,
    photo_problems,
    open311_problems,
]


# --- the shipped file --------------------------------------------------------------------------


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_the_shipped_taxonomy_passes(check, taxonomy):
    assert check(taxonomy) == []


def test_the_default_loop_is_24_hours():
    assert sum(DEFAULT_HOURS.values()) == MAX_LOOP_HOURS


def test_the_expected_top_classes_are_there(taxonomy):
    names = {top["name"] for top in taxonomy}
    for expected in (
        "市容环境",
        "公用设施",
        "道路交通",
        "园林绿化",
        "矛盾纠纷",
        "民生诉求",
        "突发事件",
    ):
        assert expected in names
    assert {top["kind"] for top in taxonomy} == KINDS


def test_disputes_go_to_mediation_or_justice_and_need_no_photo(taxonomy):
    disputes = top_class(taxonomy, "矛盾纠纷")["children"]
    assert {child["sector"] for child in disputes} <= {"调解", "司法"}
    assert not any(child["photo_required"] for child in disputes)


def test_livelihood_requests_mostly_need_no_photo(taxonomy):
    requests = top_class(taxonomy, "民生诉求")["children"]
    with_photo = [child for child in requests if child["photo_required"]]
    assert len(with_photo) < len(requests) / 2


def test_the_emergency_class_holds_only_emergencies(taxonomy):
    emergencies = top_class(taxonomy, "突发事件")["children"]
    assert {child["priority"] for child in emergencies} == {EMERGENCY}
    for name in ("火灾", "燃气泄漏"):
        assert name in {child["name"] for child in emergencies}


def test_commonly_reported_problems_are_open311_services(taxonomy):
    services = [child["open311"] for _, child in subcategories(taxonomy) if child["open311"]]
    assert len(services) >= len(list(subcategories(taxonomy))) / 4
    keywords = {keyword for service in services for keyword in service["keywords"]}
    for expected in ("pothole", "streetlight", "manhole", "rubbish", "illegal parking", "noise"):
        assert expected in keywords


# --- each check catches a broken copy ----------------------------------------------------------


def pothole_service(data: Taxonomy) -> dict[str, Any]:
    return next(
        c["open311"]
        for _, c in subcategories(data)
        if c["open311"] and "pothole" in c["open311"]["keywords"]
    )


def first_with_attributes(data: Taxonomy, datatype: str) -> dict[str, Any]:
    return next(
        a
        for _, c in subcategories(data)
        if c["open311"]
        for a in c["open311"]["attributes"]
        if a["datatype"] == datatype
    )


def break_duplicate_code(data):
    data[0]["children"][1]["code"] = data[0]["children"][0]["code"]


def break_foreign_child_code(data):
    data[0]["children"][0]["code"] = data[1]["code"] + "99"


def break_three_digit_top_code(data):
    data[0]["code"] = "001"


def break_empty_name(data):
    data[0]["children"][0]["name_en"] = " "


def break_repeated_name(data):
    data[1]["children"][0]["name"] = data[0]["children"][0]["name"]


def break_sector(data):
    data[0]["children"][0]["sector"] = "城管局"


def break_priority(data):
    data[0]["children"][0]["priority"] = 3


def break_kind(data):
    data[0]["kind"] = "thing"


def break_no_children(data):
    data[0]["children"] = []


def break_missing_stage(data):
    data[0]["children"][0]["hours"] = {"register": 1, "dispatch": 1, "accept": 1, "handle": 18}


def break_zero_stage(data):
    data[0]["children"][0]["hours"] = dict(DEFAULT_HOURS, verify=0)


def break_loop_over_24(data):
    data[0]["children"][0]["hours"] = dict(DEFAULT_HOURS, handle=19)


def break_slow_emergency(data):
    data[0]["children"][0].update(priority=EMERGENCY, hours=None)


def break_slow_urgent(data):
    data[0]["children"][0].update(priority=URGENT, hours=None)


def break_component_without_photo(data):
    component = next(top for top in data if top["kind"] == "component")
    component["children"][0]["photo_required"] = False


def break_open311_datatype(data):
    first_with_attributes(data, "string")["datatype"] = "boolean"


def break_list_without_values(data):
    del first_with_attributes(data, "singlevaluelist")["values"]


def break_values_on_a_number(data):
    first_with_attributes(data, "number")["values"] = [{"key": "1", "name": "one"}]


def break_attribute_order(data):
    attributes = pothole_service(data)["attributes"]
    attributes[1]["order"] = 3


def break_repeated_attribute_code(data):
    attributes = pothole_service(data)["attributes"]
    attributes[1]["code"] = attributes[0]["code"]


def break_keyword_with_comma(data):
    pothole_service(data)["keywords"] = ["pothole, road"]


def break_open311_key(data):
    pothole_service(data)["service_group"] = "道路交通"


@pytest.mark.parametrize(
    "breakage",
    [
        break_duplicate_code,
        break_foreign_child_code,
        break_three_digit_top_code,
        break_empty_name,
        break_repeated_name,
        break_sector,
        break_priority,
        break_kind,
        break_no_children,
        break_missing_stage,
        break_zero_stage,
        break_loop_over_24,
        break_slow_emergency,
        break_slow_urgent,
        break_component_without_photo,
        break_open311_datatype,
        break_list_without_values,
        break_values_on_a_number,
        break_attribute_order,
        break_repeated_attribute_code,
        break_keyword_with_comma,
        break_open311_key,
    ],
    ids=lambda breakage: breakage.__name__.removeprefix("break_"),
)
def test_the_checks_catch_a_broken_copy(breakage, taxonomy):
    broken = copy.deepcopy(taxonomy)
    breakage(broken)
    problems = [problem for check in CHECKS for problem in check(broken)]
    assert problems, f"no check noticed {breakage.__name__}"
