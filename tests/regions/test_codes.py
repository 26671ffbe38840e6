"""Region codes: each level's code extends its parent's; subtree reads work by prefix."""

from __future__ import annotations

import pytest
from django_scopes import scope, scopes_disabled
from django_scopes.exceptions import ScopeError
from hypothesis import given
from hypothesis import strategies as st

from civicgrid.regions.levels import CODE_LENGTH, Level, ancestor_codes, level_of_code, parent_code
from civicgrid.regions.models import Region

codes = st.sampled_from(list(CODE_LENGTH.values())).flatmap(
    lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)
)


@given(codes)
def test_a_codes_parent_is_its_prefix_one_level_up(code):
    level = level_of_code(code)
    parent = parent_code(code)
    if level == Level.PROVINCE:
        assert parent is None
    else:
        assert code.startswith(parent) and level_of_code(parent) == level - 1


@given(codes)
def test_ancestors_run_from_the_province_down(code):
    chain = ancestor_codes(code)
    assert [level_of_code(c) for c in chain] == list(range(1, level_of_code(code)))
    assert all(code.startswith(c) for c in chain)


@given(
    st.text(max_size=20).filter(
        lambda s: not (s.isascii() and s.isdigit() and len(s) in CODE_LENGTH.values())
    )
)
def test_anything_else_is_not_a_code(text):
    assert level_of_code(text) is None
    assert parent_code(text) is None


@pytest.mark.django_db
def test_reading_regions_with_no_scope_active_fails_loudly(world):
    with pytest.raises(ScopeError):
        list(Region.objects.all())


@pytest.mark.django_db
def test_a_scope_limits_reads_to_the_subtree_by_prefix(world):
    with scope(region="320113002"):
        codes_seen = set(Region.objects.values_list("code", flat=True))
    assert codes_seen and all(c.startswith("320113002") for c in codes_seen)
    assert "320113003" not in codes_seen
    with scopes_disabled():
        assert Region.objects.filter(code="320113003").exists()
