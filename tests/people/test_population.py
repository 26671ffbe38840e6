"""The synthetic population: households and residents that hang together, at census-like rates."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from civicgrid.core.identity import age_on, parse_id_number, parse_phone
from civicgrid.people.population import (
    CHILD,
    FLOATING,
    HEAD,
    PARENT,
    RATES,
    REGISTERED,
    SPOUSE,
    TAGS,
    Population,
    generate_population,
)

ON = date(2026, 6, 1)
COUNTIES = ("320102", "320113", "320115", "320117")


def microgrids(n: int, households: int = 75) -> list[tuple[str, int]]:
    """`n` micro-grids spread over a few Nanjing counties, towns and communities."""
    out = []
    for i in range(n):
        county = COUNTIES[i % len(COUNTIES)]
        code = (
            f"{county}{1 + i // 400:03d}{1 + i // 20 % 20:03d}{1 + i // 4 % 5:03d}{1 + i % 4:03d}"
        )
        out.append((code, households + i % 11 - 5))
    return out


@pytest.fixture(scope="module")
def grids() -> list[tuple[str, int]]:
    return microgrids(200)


@pytest.fixture(scope="module")
def pop(grids) -> Population:
    return generate_population(grids, seed=20260601, on=ON)


def ages(pop: Population) -> np.ndarray:
    return np.array([age_on(b, ON) for b in pop.birth_date.astype(object)])


def test_households_and_residents_add_up(pop, grids):
    assert pop.n_households == sum(n for _, n in grids)
    assert int(pop.household_size.sum()) == pop.n_residents
    assert np.array_equal(
        np.bincount(pop.household, minlength=pop.n_households), pop.household_size
    )
    assert np.array_equal(np.diff(pop.household_resident_start), pop.household_size)
    assert np.all(np.diff(pop.household) >= 0)
    assert pop.household_size.min() >= 1


def test_household_numbers_are_unique_and_start_with_the_micro_grid(pop):
    assert len(set(pop.household_number.tolist())) == pop.n_households
    assert all(
        n[:18] == mg for n, mg in zip(pop.household_number, pop.household_microgrid, strict=True)
    )
    assert all(("号" in a and a.endswith("室")) for a in pop.household_address[:500])


def test_every_household_has_exactly_one_adult_head(pop):
    heads = pop.relation == HEAD
    assert np.array_equal(np.bincount(pop.household[heads], minlength=pop.n_households),
                          np.ones(pop.n_households, dtype=np.int64))  # fmt: skip
    assert ages(pop)[heads].min() >= 18


def test_every_id_number_is_valid_unique_and_matches_the_columns(pop):
    assert len(set(pop.id_number.tolist())) == pop.n_residents
    for number, gender, birth in zip(
        pop.id_number.astype(str),
        pop.gender.astype(str),
        pop.birth_date.astype(object),
        strict=True,
    ):
        parsed = parse_id_number(number, today=ON)
        assert parsed.gender == gender
        assert parsed.birth_date == birth


def test_registered_residents_carry_their_county_and_some_floating_ones_another(pop):
    region = pop.id_number.astype("S6")
    county = pop.household_microgrid[pop.household].astype("S6")
    registered = pop.residence_type == REGISTERED
    assert np.all(region[registered] == county[registered])
    floating = pop.residence_type == FLOATING
    elsewhere = (region[floating] != county[floating]).mean()
    assert 0.6 < elsewhere < 0.95
    assert all(r.startswith(b"32") for r in set(region.tolist()))


def test_generations_are_18_to_45_years_apart(pop):
    age = ages(pop)
    head_age = age[pop.household_resident_start[:-1]][pop.household]
    assert np.all(pop.relation[pop.household_resident_start[:-1]] == HEAD)
    child = pop.relation == CHILD
    gaps = head_age[child] - age[child]
    assert gaps.min() >= 18 and gaps.max() <= 45
    parent = pop.relation == PARENT
    gaps = age[parent] - head_age[parent]
    assert gaps.min() >= 18 and gaps.max() <= 45
    # The spouse too is 18–45 years older than each child.
    spouse_age = np.full(pop.n_households, -1)
    spouse = pop.relation == SPOUSE
    spouse_age[pop.household[spouse]] = age[spouse]
    with_spouse = child & (spouse_age[pop.household] >= 0)
    gaps = spouse_age[pop.household[with_spouse]] - age[with_spouse]
    assert gaps.min() >= 18 and gaps.max() <= 45


def test_phones_are_valid_mobiles_and_children_have_none(pop):
    phones = pop.phone[pop.phone != b""].astype(str)
    assert all(parse_phone(p) == p for p in phones)
    assert len(set(phones.tolist())) > 0.99 * len(phones)
    assert np.all(pop.phone[ages(pop) < 12] == b"")


def test_tags_agree_with_their_details(pop):
    age = ages(pop)
    alone = pop.has_tag("living_alone")
    assert np.all(pop.household_size[pop.household[alone]] == 1) and np.all(age[alone] >= 60)
    solitary_old = (pop.household_size[pop.household] == 1) & (age >= 60)
    assert np.array_equal(alone, solitary_old)
    disabled = pop.has_tag("disabled")
    assert np.array_equal(disabled, pop.disability_type > 0)
    assert np.array_equal(disabled, pop.disability_grade > 0)
    assert pop.disability_grade.max() <= 4
    assert np.array_equal(pop.has_tag("low_income"), pop.low_income_kind > 0)
    assert np.all(age[pop.has_tag("child_in_difficulty")] < 18)
    graduates = pop.has_tag("graduate_seeking_work")
    assert np.all((age[graduates] >= 21) & (age[graduates] <= 24))
    assert int(pop.tags.max()) < 2 ** len(TAGS)


def test_rates_are_near_the_census(pop):
    age = ages(pop)
    assert abs(pop.household_size.mean() - 2.6) < 0.1
    assert abs((age <= 14).mean() - RATES["target.age_0_14"]) < 0.02
    assert abs((age >= 60).mean() - RATES["target.age_60_plus"]) < 0.02
    assert abs((age >= 65).mean() - RATES["target.age_65_plus"]) < 0.02
    assert abs(pop.has_tag("disabled").mean() - 0.063) < 0.01
    assert 0.007 < pop.has_tag("low_income").mean() < 0.016
    assert abs((pop.low_income_kind == 1).mean() - RATES["low_income.dibao"]) < 0.004
    shares = np.bincount(pop.residence_type, minlength=3) / pop.n_residents
    assert abs(shares[REGISTERED] - RATES["residence.registered"]) < 0.04
    assert abs(shares[FLOATING] - RATES["residence.floating"]) < 0.04
    assert abs((pop.gender == b"M").mean() - 0.5) < 0.02
    for tag in TAGS:
        assert pop.has_tag(tag).any(), tag


COLUMNS = (
    "name", "id_number", "gender", "birth_date", "phone", "relation", "residence_type", "tags",
    "disability_type", "disability_grade", "low_income_kind",
)  # fmt: skip


def _microgrid_slice(pop: Population, j: int) -> tuple[slice, slice]:
    h0, h1 = pop.microgrid_household_start[j], pop.microgrid_household_start[j + 1]
    r0, r1 = pop.household_resident_start[h0], pop.household_resident_start[h1]
    return slice(h0, h1), slice(r0, r1)


def test_the_same_seed_gives_the_same_people(pop, grids):
    again = generate_population(grids, seed=20260601, on=ON)
    for column in (*COLUMNS, "household_number", "household_address", "household_size"):
        assert np.array_equal(getattr(pop, column), getattr(again, column)), column
    other = generate_population(grids[:5], seed=1, on=ON)
    assert not np.array_equal(other.name[:50], pop.name[:50])


def test_a_subset_of_micro_grids_gets_the_same_people(pop, grids):
    picked = list(range(3, len(grids), 7))
    sub = generate_population([grids[j] for j in picked], seed=20260601, on=ON, chunk_size=5)
    ids_differing = 0
    for k, j in enumerate(picked):
        (fh, fr), (sh, sr) = _microgrid_slice(pop, j), _microgrid_slice(sub, k)
        for column in ("household_number", "household_address", "household_size"):
            assert np.array_equal(getattr(pop, column)[fh], getattr(sub, column)[sh]), column
        for column in COLUMNS:
            if column != "id_number":
                assert np.array_equal(getattr(pop, column)[fr], getattr(sub, column)[sr]), column
        full_ids, sub_ids = pop.id_number[fr], sub.id_number[sr]
        differ = full_ids != sub_ids
        # Only an order code moved to keep the whole run unique may differ: same region and date.
        assert np.array_equal(full_ids.astype("S14"), sub_ids.astype("S14"))
        ids_differing += int(differ.sum())
    assert ids_differing <= pop.id_numbers_moved
    assert pop.id_numbers_moved < 0.02 * pop.n_residents


def test_it_refuses_malformed_input():
    with pytest.raises(ValueError):
        generate_population([("3201", 10)], seed=1)
    with pytest.raises(ValueError):
        generate_population([("320113001001001001", 10)] * 2, seed=1)
    with pytest.raises(ValueError):
        generate_population([("320113001001001001", 10_000)], seed=1)
    empty = generate_population([], seed=1)
    assert empty.n_residents == 0 and empty.n_households == 0


def test_couples_are_a_man_and_a_woman_and_children_share_a_parent_surname(pop):
    first = pop.household_resident_start[:-1]
    head_gender = pop.gender[first][pop.household]
    spouse = pop.relation == SPOUSE
    assert np.all(pop.gender[spouse] != head_gender[spouse])
    surnames = pop.name.astype("U1")
    parent_surnames = {surnames[i] for i in first}
    spouse_surname = dict(zip(pop.household[spouse].tolist(), surnames[spouse], strict=True))
    for i in np.flatnonzero(pop.relation == CHILD)[:2000]:
        h = int(pop.household[i])
        assert surnames[i] in (surnames[first[h]], spouse_surname.get(h))
    assert len(parent_surnames) > 30
