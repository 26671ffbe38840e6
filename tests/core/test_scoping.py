"""The one rule for "is this code in the actor's area?"."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from civicgrid.core.errors import DomainError
from civicgrid.core.scoping import is_within


def test_a_code_below_the_actors_node_is_within_and_a_sibling_is_not():
    town_a = SimpleNamespace(region_code="320113002")
    assert is_within("320113002001001", town_a)
    assert not is_within("320113003001001", town_a)


def test_system_work_is_not_area_bound():
    assert is_within("320113003", None)


def test_an_actor_without_an_area_gets_a_clear_error_not_everything():
    with pytest.raises(DomainError) as caught:
        is_within("32", SimpleNamespace(region_code=""))
    assert caught.value.code == "accounts.no_region"
