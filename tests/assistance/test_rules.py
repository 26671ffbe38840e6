"""Each programme's rule and amount on households calculated by hand (Nanjing, 1,050 yuan)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicgrid.assistance import standards
from civicgrid.assistance.rules import HouseholdFacts, MemberFacts, decide, per_capita_fen
from civicgrid.assistance.standards import Programme as P
from civicgrid.core.errors import DomainError

CONFIG = standards.load()
RULES = CONFIG.rules
QIXIA = "320113002001001001"  # a micro-grid of Nanjing's Qixia district
JULY_2024 = date(2024, 7, 1)
T = CONFIG.thresholds_for(QIXIA, JULY_2024)  # Nanjing from 1 July 2024: 1,050 yuan


def adult(key="a", age=45, **kw):
    return MemberFacts(key=key, age=age, **kw)


def yuan(amount):
    return amount * 100


def household(*members, income=0, **kw):
    return HouseholdFacts(members=tuple(members), income_fen=yuan(income), **kw)


def test_the_nanjing_standard_and_what_follows_from_it():
    assert T.dibao == yuan(1050)
    assert T.marginal == yuan(1575)  # 1.5 × 1,050
    assert T.tekun_basic == yuan(2100)  # Nanjing is urban: 2 × 1,050
    assert T.asset_limit_per_person == yuan(25200)  # 24 × 1,050


def test_a_standard_change_on_1_july_applies_from_that_month():
    assert CONFIG.standard_for(QIXIA, date(2024, 6, 30)).dibao_fen == yuan(1000)
    assert CONFIG.standard_for(QIXIA, date(2024, 7, 31)).dibao_fen == yuan(1050)
    # Outside Nanjing the province-wide figure (823) applies.
    assert CONFIG.standard_for("320500", date(2024, 8, 1)).dibao_fen == yuan(823)


def test_a_month_with_no_standard_is_refused():
    with pytest.raises(DomainError) as err:
        CONFIG.standard_for(QIXIA, date(2020, 1, 1))
    assert err.value.code == "assistance.no_standard"


def test_dibao_pays_the_gap_for_every_member():
    # 3 members, 21,600 a year counted: 21,600 / 12 / 3 = 600 a month each.
    # Gap 1,050 − 600 = 450; × 3 = 1,350 yuan a month.
    d = decide(household(adult("a"), adult("b"), adult("c", 12), income=21600), T, RULES)
    assert d.per_capita_fen == yuan(600)
    dibao = d.result(P.DIBAO)
    assert dibao.eligible and dibao.monthly_fen == yuan(1350)
    assert "1350" in dibao.reasons[0].text()


def test_same_household_under_the_june_standard_gets_less():
    june = CONFIG.thresholds_for(QIXIA, date(2024, 6, 1))
    # (1,000 − 600) × 3 = 1,200
    d = decide(household(adult("a"), adult("b"), adult("c"), income=21600), june, RULES)
    assert d.result(P.DIBAO).monthly_fen == yuan(1200)


def test_income_exactly_at_the_standard_is_not_dibao_but_marginal():
    # 2 members, 25,200 a year: 25,200 / 12 / 2 = 1,050, exactly the standard.
    d = decide(household(adult("a"), adult("b"), income=25200), T, RULES)
    assert d.per_capita_fen == yuan(1050)
    assert not d.result(P.DIBAO).eligible
    assert d.result(P.MARGINAL).eligible
    assert d.result(P.MARGINAL).monthly_fen == 0  # nobody severely ill or disabled


def test_one_fen_below_the_standard_is_dibao():
    # (25,200 − 0.24) / 24 = 1,049.99; gap 0.01 × 2 = 0.02, paid as 0 whole yuan.
    d = HouseholdFacts(members=(adult("a"), adult("b")), income_fen=yuan(25200) - 24)
    result = decide(d, T, RULES)
    assert result.per_capita_fen == yuan(1050) - 1
    assert result.result(P.DIBAO).eligible
    assert result.result(P.DIBAO).monthly_fen == 0


def test_deductions_lower_the_counted_income():
    # 1 member, wages 18,000, out-of-pocket medical 6,000: (18,000 − 6,000) / 12 = 1,000.
    d = decide(household(adult(), income=18000, deductions_fen=yuan(6000)), T, RULES)
    assert d.per_capita_fen == yuan(1000)
    assert d.result(P.DIBAO).monthly_fen == yuan(50)


def test_marginal_household_covers_its_severely_disabled_member_individually():
    # 3 members, 43,200 a year: 43,200 / 36 = 1,200, between 1,050 and 1,575.
    # The grade-1 disabled son has no income of his own: 1,050 − 0 = 1,050 a month.
    son = adult("son", 30, disability_grade=1)
    d = decide(household(adult("a"), adult("b"), son, income=43200), T, RULES)
    marginal = d.result(P.MARGINAL)
    assert marginal.eligible and marginal.covered == ("son",)
    assert marginal.monthly_fen == yuan(1050)
    # He also gets both disability subsidies (150 each in Nanjing): the household is assisted.
    assert d.result(P.DISABILITY_CARE).monthly_fen == yuan(150)
    assert d.result(P.DISABILITY_LIVING).monthly_fen == yuan(150)
    assert d.total_monthly_fen == yuan(1050 + 150 + 150)


def test_marginal_ends_below_one_and_a_half_times_the_standard():
    # 1 member, 18,900 a year = 1,575 a month: exactly 1.5 × 1,050, outside the band.
    d = decide(household(adult(), income=18900), T, RULES)
    assert not d.result(P.MARGINAL).eligible


def test_extremely_poor_elderly_person_gets_twice_the_standard_plus_care():
    # Alone, 70, no supporter, fully dependent: 2 × 1,050 + 0.6 × 1,050 = 2,100 + 630 = 2,730.
    elder = adult("old", 70, care_tier="full", no_supporter=True)
    d = decide(household(elder, income=3600), T, RULES)
    tekun = d.result(P.TEKUN)
    assert tekun.eligible and tekun.monthly_fen == yuan(2730)
    assert not d.result(P.DIBAO).eligible  # every member is covered as extremely poor


def test_extremely_poor_in_the_countryside_gets_1_3_times():
    rural = CONFIG.thresholds_for("320500", date(2024, 8, 1))  # 823, rural
    # 1.3 × 823 = 1,069.90; self-care 0.1 × 823 = 82.30; total 1,152.20 → paid 1,152.
    d = decide(household(adult("old", 80, no_supporter=True), income=0), rural, RULES)
    assert d.result(P.TEKUN).monthly_fen == yuan(1152)


def test_an_able_supporter_rules_out_extremely_poor_support():
    elder = adult("old", 70)  # has a son able to support him
    d = decide(household(elder, income=0), T, RULES)
    assert not d.result(P.TEKUN).eligible
    assert d.result(P.DIBAO).monthly_fen == yuan(1050)


def test_a_car_rules_out_dibao_and_says_so():
    d = decide(household(adult(), income=0, vehicles=1), T, RULES)
    assert not d.assets_ok and not d.result(P.DIBAO).eligible
    assert any(r.code == "assets_vehicles" for r in d.reasons)


def test_deposits_above_24_months_of_the_standard_per_person_rule_out_dibao():
    # Limit for 2 people: 2 × 25,200 = 50,400 yuan.
    at_limit = household(adult("a"), adult("b"), financial_assets_fen=yuan(50400))
    above = household(adult("a"), adult("b"), financial_assets_fen=yuan(50400) + 1)
    assert decide(at_limit, T, RULES).result(P.DIBAO).eligible
    assert not decide(above, T, RULES).result(P.DIBAO).eligible


def test_rigid_expenditure_hardship():
    # 2 members, 30,000 a year: 1,250 a month (above 1,050, below the 2,100 ceiling).
    # Medical bills of 12,000: (30,000 − 12,000) / 24 = 750; gap 300 × 2 = 600 a month.
    d = decide(
        household(adult("a"), adult("b"), income=30000, rigid_expenditure_fen=yuan(12000)), T, RULES
    )
    exp = d.result(P.EXPENDITURE)
    assert exp.eligible and exp.monthly_fen == yuan(600)
    # The marginal status stays, but nobody is covered twice.
    assert d.result(P.MARGINAL).eligible and d.result(P.MARGINAL).monthly_fen == 0


def test_temporary_assistance_urgent_and_expense():
    # Urgent: 3 × 1,050 = 3,150 once. Expense: 20,000 × 0.5 = 10,000, capped at 6 × 1,050 = 6,300.
    d = decide(
        household(adult(), income=24000, urgent_event=True, one_off_expense_fen=yuan(20000)),
        T,
        RULES,
    )
    assert d.result(P.TEMP_URGENT).one_off_fen == yuan(3150)
    assert d.result(P.TEMP_EXPENSE).one_off_fen == yuan(6300)
    assert d.total_one_off_fen == yuan(9450)


def test_care_subsidy_for_severe_disability_regardless_of_income():
    d = decide(household(adult("a", disability_grade=2), income=120000), T, RULES)
    assert d.result(P.DISABILITY_CARE).monthly_fen == yuan(150)
    assert not d.result(P.DISABILITY_LIVING).eligible  # not an assisted household


@pytest.mark.parametrize("field", ["income_fen", "financial_assets_fen", "deductions_fen"])
def test_negative_amounts_are_refused(field):
    with pytest.raises(DomainError) as err:
        HouseholdFacts(members=(adult(),), **{field: -1})
    assert err.value.code == "assistance.negative_amount"


def test_a_household_without_members_is_refused():
    with pytest.raises(DomainError):
        HouseholdFacts(members=())


money = st.integers(min_value=0, max_value=10_000_000)


@given(income=money, members=st.integers(1, 8), deductions=money)
def test_dibao_eligible_exactly_when_per_capita_is_below_the_standard(income, members, deductions):
    facts = HouseholdFacts(
        members=tuple(adult(str(i)) for i in range(members)),
        income_fen=income,
        deductions_fen=deductions,
    )
    d = decide(facts, T, RULES)
    pc = per_capita_fen(income, deductions, members)
    assert d.per_capita_fen == pc
    assert d.result(P.DIBAO).eligible == (pc < T.dibao)
    assert all(r.monthly_fen >= 0 and r.one_off_fen >= 0 for r in d.results)
    assert d.result(P.DIBAO).monthly_fen <= T.dibao * members


@given(income=money, more=st.integers(0, 1_000_000), members=st.integers(1, 6))
def test_more_income_never_means_more_dibao(income, more, members):
    people = tuple(adult(str(i)) for i in range(members))
    low = decide(HouseholdFacts(members=people, income_fen=income), T, RULES)
    high = decide(HouseholdFacts(members=people, income_fen=income + more), T, RULES)
    assert high.result(P.DIBAO).monthly_fen <= low.result(P.DIBAO).monthly_fen


@given(total=st.integers(0, 10**9), members=st.integers(1, 12))
def test_per_capita_rounds_half_up_to_the_fen(total, members):
    from decimal import ROUND_HALF_UP, Decimal

    exact = (Decimal(total) / (12 * members)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert per_capita_fen(total, 0, members) == int(exact)


def test_the_rules_file_is_checked():
    import copy
    import json

    data = json.loads(standards.DEFAULT_FILE.read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    del broken["rules"]["marginal_multiplier"]
    with pytest.raises(ValueError, match="marginal_multiplier"):
        standards.parse(broken)
    negative = copy.deepcopy(data)
    negative["standards"][0]["dibao"] = "-1"
    with pytest.raises(ValueError):
        standards.parse(negative)
    # Every rule of the demo's defaults names its source.
    assert all(CONFIG.rules.sources.values())


@given(
    year=st.integers(2023, 2030),
    month=st.integers(1, 12),
    area=st.sampled_from(["320113002001001001", "320115", "3201", "320500", "32"]),
)
def test_the_standard_in_force_is_the_latest_of_the_most_specific_area(year, month, area):
    on = date(year, month, 1)
    if on < date(2023, 7, 1):
        return
    chosen = CONFIG.standard_for(area, on)
    candidates = [s for s in CONFIG.standards if area.startswith(s.area) and s.valid_from <= on]
    assert chosen.valid_from <= on and area.startswith(chosen.area)
    assert all(
        (len(s.area), s.valid_from) <= (len(chosen.area), chosen.valid_from) for s in candidates
    )


@given(
    ages=st.lists(st.integers(0, 100), min_size=1, max_size=6),
    income=st.integers(0, 10_000_000),
    rigid=st.integers(0, 10_000_000),
    properties=st.integers(0, 3),
)
def test_the_difficulty_index_stays_within_0_and_100_and_adds_up(ages, income, rigid, properties):
    from decimal import Decimal

    from civicgrid.assistance.services.plans import difficulty

    facts = HouseholdFacts(
        members=tuple(adult(str(i), a) for i, a in enumerate(ages)),
        income_fen=income,
        rigid_expenditure_fen=rigid,
        properties=properties,
    )
    score, breakdown = difficulty(facts, T.dibao)
    assert Decimal(0) <= score <= Decimal(100)
    assert score == sum(Decimal(b["points"]) for b in breakdown.values())
