"""The difficulty index's breakdown and the plan the care and jobs capabilities read."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scope

from civicgrid.assistance import selectors
from civicgrid.assistance.rules import HouseholdFacts, MemberFacts
from civicgrid.assistance.services import plans
from civicgrid.core.errors import DomainError


def test_the_score_adds_up_its_weighted_dimensions():
    # One 85-year-old, no income, no dwelling (Nanjing standard 1,050):
    # income gap 1 × 30, health 0, care burden 1 × 15, education 0, housing 1 × 10,
    # employment 0 (nobody of working age), debts 0 → 55 of 100.
    facts = HouseholdFacts(members=(MemberFacts("a", 85),))
    score, breakdown = plans.difficulty(facts, 105_000)
    assert score == Decimal("55.0")
    assert breakdown["income_gap"]["points"] == "30.0"
    assert breakdown["care_burden"]["points"] == "15.0"
    assert sum(Decimal(b["points"]) for b in breakdown.values()) == score


def test_a_plan_with_suggested_measures_is_read_through_the_selector(world, civil, approved):
    a = approved()
    plan = plans.make_plan(application=a, responsible="张社工", by=civil["town"])
    assert "assistance" in plan.measures  # per-capita 250 of 1,050: a large income gap
    with scope(region=world.town_operator.region_code):
        assert selectors.plan_of(world.town_operator, a.household_id) == plan
    # Outside the caller's area there is no plan to read.
    with scope(region=world.outsider.region_code):
        assert selectors.plan_of(world.outsider, a.household_id) is None


def test_a_plan_needs_someone_responsible(world, civil, approved):
    a = approved()
    with pytest.raises(DomainError):
        plans.make_plan(application=a, responsible=" ", by=civil["town"])
