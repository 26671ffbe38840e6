"""Bulk loading a generated population into the register, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.models import F
from django_scopes import scope, scopes_disabled

from civicgrid.core.identity import parse_id_number
from civicgrid.people import selectors, services
from civicgrid.people.loading import load_area
from civicgrid.people.models import Household, Resident, ResidentTag
from civicgrid.people.population import (
    DISABILITY_TYPES,
    LOW_INCOME_KINDS,
    RELATIONS,
    RESIDENCE_TYPES,
    TAGS,
    generate_population,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

ON = date(2026, 6, 1)
SEED = 7


@pytest.fixture
def expected(world):
    """What the generator makes for the two empty micro-grids of the world (A1 has a household)."""
    return generate_population(
        [(world.micro_a2.code, 60), (world.micro_b1.code, 90)], seed=SEED, on=ON
    )


@pytest.fixture
def loaded(world, expected):
    with scopes_disabled():
        return load_area(area_code="320113", seed=SEED, on=ON)


def _new_residents(world):
    return Resident.all_objects.exclude(region_id=world.micro_a1.code)


def test_it_loads_what_the_generator_made(world, expected, loaded):
    assert (loaded.microgrids, loaded.skipped_microgrids) == (2, 1)
    assert loaded.households == expected.n_households == 150
    assert loaded.residents == expected.n_residents
    with scopes_disabled():
        assert Household.all_objects.exclude(region_id=world.micro_a1.code).count() == 150
        assert _new_residents(world).count() == expected.n_residents
        names = sorted(_new_residents(world).values_list("name", flat=True))
    assert names == sorted(expected.name.tolist())


def test_every_resident_lives_in_the_micro_grid_of_their_household(world, loaded):
    with scopes_disabled():
        assert not Resident.all_objects.exclude(region_id=F("household__region_id")).exists()
        heads = _new_residents(world).filter(relation="head").count()
    assert heads == loaded.households


def test_id_numbers_are_valid_and_unique(world, loaded):
    with scopes_disabled():
        rows = list(_new_residents(world).values_list("id_number", "gender", "birth_date"))
    assert len({number for number, _, _ in rows}) == len(rows)
    for number, gender, born in rows:
        parsed = parse_id_number(number, today=ON)
        assert (parsed.gender, parsed.birth_date) == (gender, born)


def test_choices_are_the_models_values():
    assert set(RELATIONS) == set(Resident.Relation.values)
    assert set(RESIDENCE_TYPES) == set(Resident.ResidenceType.values)
    tags = {value for value, _label in ResidentTag._meta.get_field("tag").choices}
    # Serious illness and a death are recorded by the community, never generated.
    assert set(TAGS) == tags - {"seriously_ill", "deceased"}


def test_tag_rows_follow_the_bitmask(world, expected, loaded):
    with scopes_disabled():
        tags = ResidentTag.all_objects.exclude(region_code=world.micro_a1.code)
        for tag in TAGS:
            assert tags.filter(tag=tag).count() == int(expected.has_tag(tag).sum()), tag
        disabled = sorted(tags.filter(tag="disabled").values_list("kind", "grade"))
        low_income = sorted(tags.filter(tag="low_income").values_list("kind", flat=True))
        assert not tags.exclude(region_code=F("resident__region_id")).exists()
    who = expected.has_tag("disabled")
    assert disabled == sorted(
        zip(
            [DISABILITY_TYPES[i] for i in expected.disability_type[who]],
            expected.disability_grade[who].tolist(),
            strict=True,
        )
    )
    assert low_income == sorted(
        LOW_INCOME_KINDS[i] for i in expected.low_income_kind[expected.has_tag("low_income")]
    )
    assert loaded.tags == sum(int(expected.has_tag(t).sum()) for t in TAGS)


def test_ids_continue_after_the_registered_people(world, loaded):
    with scopes_disabled():
        first = _new_residents(world).order_by("id").first()
        first_household = (
            Household.all_objects.exclude(region_id=world.micro_a1.code).order_by("id").first()
        )
    assert first.id > world.spouse.id
    assert first_household.id > world.household.id
    assert first.household_id == first_household.id


def test_the_register_goes_on_after_a_load(world, loaded):
    # On PostgreSQL this fails unless the id sequences were moved past the loaded rows.
    household = services.register_household(
        region_code=world.micro_a1.code, address="新楼1号", by=None
    )
    resident = f.resident(household, "新住户", f.id_number("320113", date(1990, 1, 1), 31))
    with scopes_disabled():
        assert resident.id == Resident.all_objects.order_by("-id").first().id


def test_a_bulk_load_writes_no_history(world, loaded):
    with scopes_disabled():
        assert Resident.history.count() == 2  # the world's two residents, registered by services


def test_the_scoped_selectors_find_the_loaded_people(world, expected, loaded):
    with scope(region="320113"):  # as the request middleware does
        total, by_town = selectors.count_residents(world.county_operator, by_child=True)
    assert total == expected.n_residents + 2
    assert by_town["320113003"] == int(
        (expected.household_microgrid[expected.household] == world.micro_b1.code.encode()).sum()
    )
    with scope(region="320113003"):
        found = selectors.search_residents(
            world.outsider, selectors.ResidentFilter(id_number=expected.id_number[-1].decode())
        )
        assert found.get().name == expected.name[-1]


def test_loading_the_same_area_twice_adds_nothing(world, loaded):
    with scopes_disabled():
        before = (Resident.all_objects.count(), ResidentTag.all_objects.count())
        again = load_area(area_code="320113", seed=SEED, on=ON)
        after = (Resident.all_objects.count(), ResidentTag.all_objects.count())
    assert (again.households, again.residents, again.skipped_microgrids) == (0, 0, 3)
    assert after == before


def test_a_generated_id_number_already_registered_is_moved(world, expected):
    taken = expected.id_number[5].decode()
    f.resident(world.household, "同号人", taken)
    with scopes_disabled():
        result = load_area(area_code="320113", seed=SEED, on=ON)
        numbers = list(Resident.all_objects.values_list("id_number", flat=True))
        sixth = _new_residents(world).order_by("id")[5]
    assert result.id_numbers_moved == 1
    assert len(set(numbers)) == len(numbers) == expected.n_residents + 3
    # Same county, birthday and gender; another order code.
    assert sixth.id_number != taken
    assert sixth.id_number[:14] == taken[:14]
    assert parse_id_number(sixth.id_number, today=ON).gender == parse_id_number(taken).gender


def _structures() -> dict[str, dict]:
    with connection.cursor() as cursor:
        return {
            table: connection.introspection.get_constraints(cursor, table)
            for table in ("people_household", "people_resident", "people_residenttag")
        }


def test_indexes_and_foreign_keys_are_all_back_after_a_large_load(world):
    before = _structures()
    with scopes_disabled():
        load_area(area_code="320113", seed=SEED, on=ON)
    assert _structures() == before


def test_the_search_api_pages_through_the_loaded_people(world, loaded, as_user):
    client = as_user(world.county_operator)
    first = client.get("/api/v1/people/residents", {"area": "320113002"}).json()
    second = client.get("/api/v1/people/residents", {"area": "320113002", "page": 2}).json()
    with scopes_disabled():
        in_town = Resident.all_objects.filter(region__code__startswith="320113002")
        expected = list(in_town.order_by("id").values_list("id", flat=True))
    assert first["count"] == len(expected)
    assert [r["id"] for r in first["items"] + second["items"]] == expected[:100]
