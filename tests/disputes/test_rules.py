"""The four-colour rules: each default rule on a hand-built case, the highest colour wins, the
reasons are the rules met, and a bad rule set is refused."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicgrid.core.errors import DomainError
from civicgrid.disputes import rules

CALM = {
    "people_involved": 2,
    "amount": 1000.0,
    "repeat_petitions": 0,
    "days_open": 0,
    "threat_violence": False,
    "threat_self_harm": False,
    "group_incident": False,
    "vulnerable_party": False,
}
DEFAULTS = rules.parse(rules.default_document())


def test_a_calm_neighbour_quarrel_is_blue_with_no_reasons():
    grade = rules.grade(CALM, DEFAULTS)
    assert grade.colour == "blue"
    assert grade.reasons == []
    assert grade.settings.level == 0


@pytest.mark.parametrize(
    ("change", "colour", "code"),
    [
        ({"threat_violence": True}, "red", "threat_violence"),
        ({"threat_self_harm": True}, "red", "threat_self_harm"),
        ({"group_incident": True}, "red", "group_incident"),
        ({"people_involved": 30}, "red", "people_30"),
        ({"people_involved": 10}, "orange", "people_10"),
        ({"people_involved": 5}, "yellow", "people_5"),
        ({"amount": 1_000_000.0}, "red", "amount_1m"),
        ({"amount": 200_000.0}, "orange", "amount_200k"),
        ({"amount": 50_000.0}, "yellow", "amount_50k"),
        ({"repeat_petitions": 3}, "orange", "repeat_3"),
        ({"repeat_petitions": 1}, "yellow", "repeat_1"),
        ({"vulnerable_party": True}, "yellow", "vulnerable"),
        ({"days_open": 60}, "orange", "open_60"),
        ({"days_open": 30}, "yellow", "open_30"),
    ],
)
def test_each_rule_gives_its_colour_and_names_itself(change, colour, code):
    grade = rules.grade(CALM | change, DEFAULTS)
    assert grade.colour == colour
    assert grade.reasons[0]["code"] == code
    assert grade.reasons[0]["colour"] == colour


@pytest.mark.parametrize(
    ("change", "colour"),
    [
        ({"people_involved": 4}, "blue"),
        ({"amount": 49_999.99}, "blue"),
        ({"days_open": 29}, "blue"),
        ({"people_involved": 9}, "yellow"),
        ({"repeat_petitions": 2}, "yellow"),
    ],
)
def test_just_below_a_threshold_stays_below(change, colour):
    assert rules.grade(CALM | change, DEFAULTS).colour == colour


def test_the_highest_colour_wins_and_every_rule_met_is_a_reason():
    grade = rules.grade(CALM | {"people_involved": 12, "vulnerable_party": True, "threat_violence": True}, DEFAULTS)  # fmt: skip
    assert grade.colour == "red"
    assert [r["code"] for r in grade.reasons] == ["threat_violence", "people_10", "people_5", "vulnerable"]  # fmt: skip


def test_red_says_county_level_alert_and_three_days():
    red = rules.grade(CALM | {"group_incident": True}, DEFAULTS).settings
    assert (red.level, red.days, red.alert) == (2, 3, True)
    assert set(red.notify) == {9, 6}


def test_arrays_grade_like_one_at_a_time():
    cases = [CALM, CALM | {"amount": 300_000.0}, CALM | {"threat_self_harm": True}]
    arrays = {name: np.array([c[name] for c in cases]) for name in rules.FACTS}
    colour, met = rules.grade_arrays(arrays, DEFAULTS)
    assert [["blue", "yellow", "orange", "red"][c] for c in colour] == [
        rules.grade(c, DEFAULTS).colour for c in cases
    ]
    assert rules.reasons_of(int(met[1]), DEFAULTS) == rules.grade(cases[1], DEFAULTS).reasons


@pytest.mark.parametrize(
    "broken",
    [
        {"rules": []},  # no colour settings
        {
            "colours": rules.default_document()["colours"],
            "rules": [
                {
                    "code": "x",
                    "fact": "height",
                    "op": ">=",
                    "value": 1,
                    "colour": "red",
                    "label": "x",
                }
            ],
        },
        {
            "colours": rules.default_document()["colours"],
            "rules": [
                {
                    "code": "x",
                    "fact": "threat_violence",
                    "op": ">=",
                    "value": 1,
                    "colour": "red",
                    "label": "x",
                }
            ],
        },
        {
            "colours": rules.default_document()["colours"],
            "rules": [
                {
                    "code": "x",
                    "fact": "amount",
                    "op": ">=",
                    "value": 1,
                    "colour": "purple",
                    "label": "x",
                }
            ],
        },
    ],
)
def test_a_broken_rule_set_is_refused_with_a_clear_error(broken):
    with pytest.raises(DomainError) as raised:
        rules.parse(broken)
    assert raised.value.code == "disputes.bad_rules"


def test_a_new_rule_set_applies_once_activated(db):
    document = rules.default_document()
    document["rules"].append({"code": "medical", "fact": "people_involved", "op": ">=", "value": 3, "colour": "orange", "label": "三人以上"})  # fmt: skip
    rules.activate(name="收紧", document=document)
    assert rules.grade(CALM | {"people_involved": 3}, rules.active().rules).colour == "orange"
    assert rules.active().rule_set_id is not None


_facts = st.fixed_dictionaries(
    {
        "people_involved": st.integers(1, 500),
        "amount": st.floats(0, 5e6),
        "repeat_petitions": st.integers(0, 10),
        "days_open": st.integers(0, 400),
        "threat_violence": st.booleans(),
        "threat_self_harm": st.booleans(),
        "group_incident": st.booleans(),
        "vulnerable_party": st.booleans(),
    }
)
_ORDER = ["blue", "yellow", "orange", "red"]


@given(_facts, st.sampled_from(["people_involved", "repeat_petitions", "days_open"]), st.integers(1, 100))  # fmt: skip
def test_more_of_a_fact_never_lowers_the_colour(facts, name, more):
    before = rules.grade(facts, DEFAULTS).colour
    after = rules.grade(facts | {name: facts[name] + more}, DEFAULTS).colour
    assert _ORDER.index(after) >= _ORDER.index(before)


@given(_facts)
def test_the_colour_is_the_highest_reason(facts):
    grade = rules.grade(facts, DEFAULTS)
    top = max((_ORDER.index(r["colour"]) for r in grade.reasons), default=0)
    assert _ORDER.index(grade.colour) == top
