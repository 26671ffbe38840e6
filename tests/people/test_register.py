"""Stories of keeping the register: one person one record, facts derived from the ID number."""

from __future__ import annotations

from datetime import date

import pytest

from civicgrid.core.errors import DomainError
from civicgrid.core.identity import check_character
from civicgrid.people import services
from civicgrid.people.models import Resident, ResidentTag
from tests import factories as f

pytestmark = pytest.mark.django_db


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


def test_gender_and_birth_date_come_from_the_id_number(world):
    person = f.resident(world.household, "王小红", f.id_number("320113", date(2012, 2, 29), 42))
    assert (person.gender, person.birth_date) == ("F", date(2012, 2, 29))


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("32011320120229004", "identity.id_length"),
        ("320113201202290421", "identity.id_check"),
        (with_check("32011320130229042"), "identity.id_birth_date"),  # 2013 was not a leap year
        (with_check("99011320120229042"), "identity.id_region"),
    ],
)
def test_a_bad_id_number_is_refused_and_registers_nobody(world, number, code):
    before = Resident.all_objects.count()
    with pytest.raises(DomainError) as caught:
        f.resident(world.household, "某人", number)
    assert caught.value.code == code
    assert Resident.all_objects.count() == before


def test_one_person_is_one_record(world):
    with pytest.raises(DomainError) as caught:
        f.resident(world.household, "王建国二", world.resident.id_number)
    assert caught.value.code == "people.duplicate_id_number"
    assert caught.value.details["field"] == "id_number"


def test_a_phone_of_the_wrong_shape_is_refused(world):
    with pytest.raises(DomainError) as caught:
        f.resident(
            world.household, "王小明", f.id_number("320113", date(2010, 1, 1), 31), phone="12345"
        )
    assert caught.value.code == "identity.phone"


def test_a_household_has_only_one_head(world):
    with pytest.raises(DomainError) as caught:
        f.resident(
            world.household, "王二", f.id_number("320113", date(1980, 1, 1), 51), relation="head"
        )
    assert caught.value.code == "people.household_has_head"


def test_moving_house_changes_the_household_of_the_same_record_and_keeps_history(world):
    new_home = services.register_household(
        region_code=world.micro_a2.code, address="尧新大道8号", by=world.grid_worker
    )
    moved = services.move_resident(
        resident=world.spouse, to_household=new_home, relation="head", by=world.grid_worker
    )
    assert moved.pk == world.spouse.pk and moved.region_id == world.micro_a2.code
    versions = list(moved.history.order_by("history_date"))
    assert [v.household_id for v in versions] == [world.household.pk, new_home.pk]
    assert versions[-1].history_user == world.grid_worker


def test_moving_someone_keeps_their_tags_counted_in_the_new_micro_grid(world):
    new_home = services.register_household(
        region_code=world.micro_a2.code, address="8号", by=world.grid_worker
    )
    services.move_resident(
        resident=world.resident, to_household=new_home, relation="head", by=world.grid_worker
    )
    tag = ResidentTag.all_objects.get(resident=world.resident)
    assert tag.region_code == world.micro_a2.code


def test_a_grid_worker_cannot_register_a_household_in_the_sibling_town(world):
    with pytest.raises(DomainError) as caught:
        services.register_household(
            region_code=world.micro_b1.code, address="x", by=world.grid_worker
        )
    assert caught.value.code == "people.unknown_micro_grid" and caught.value.status == 404


def test_household_numbers_extend_the_micro_grid_code(world):
    second = services.register_household(
        region_code=world.micro_a1.code, address="2号", by=world.grid_worker
    )
    assert world.household.number == f"{world.micro_a1.code}0001"
    assert second.number == f"{world.micro_a1.code}0002"


@pytest.mark.parametrize(
    ("tags", "code"),
    [
        ([services.TagValue("emperor")], "people.bad_tag"),
        ([services.TagValue("disabled", grade=5)], "people.bad_grade"),
        ([services.TagValue("veteran"), services.TagValue("veteran")], "people.duplicate_tag"),
    ],
)
def test_bad_tags_are_refused_and_the_old_tags_stay(world, tags, code):
    with pytest.raises(DomainError) as caught:
        services.set_tags(resident=world.resident, tags=tags, by=world.grid_worker)
    assert caught.value.code == code
    assert list(
        ResidentTag.all_objects.filter(resident=world.resident).values_list("tag", flat=True)
    ) == ["veteran"]
