"""Scope: flows are read by area, and a case outside the actor's area does not exist for them."""

from __future__ import annotations

import pytest
from django_scopes import scope
from django_scopes.exceptions import ScopeError

from civicgrid.core.errors import DomainError
from civicgrid.workflow import services
from civicgrid.workflow.models import Flow
from civicgrid.workflow.selectors import flow_for, flows_visible_to


@pytest.fixture
def two_flows(world, start):
    return start(), start(region_code=world.micro_b1.code, by=world.outsider)


def test_it_hides_a_flow_in_the_sibling_town(world, two_flows):
    mine, theirs = two_flows
    with scope(region=world.town_a.code):
        assert list(flows_visible_to(world.town_a.code)) == [mine]
        assert list(flows_visible_to(world.staff)) == [mine]
        with pytest.raises(DomainError) as err:
            flow_for(world.staff, theirs.pk)
        assert err.value.status == 404


def test_reading_flows_with_no_scope_active_fails_loudly(world, two_flows):
    with pytest.raises(ScopeError):
        list(Flow.objects.all())


def test_it_answers_404_to_an_outsider_who_tries_a_transition(world, two_flows):
    mine, _ = two_flows
    with pytest.raises(DomainError) as err:
        services.transition(flow=mine, name="register", by=world.outsider, expected_version=1)
    assert (err.value.code, err.value.status) == ("workflow.not_found", 404)


def test_nobody_starts_a_flow_outside_their_area(world, start):
    with pytest.raises(DomainError) as err:
        start(region_code=world.micro_b1.code, by=world.staff)
    assert err.value.code == "workflow.not_found"
