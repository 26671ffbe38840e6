"""Creating and changing accounts: every account has one area, one role and a strong password."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from civicgrid.accounts import services
from civicgrid.accounts.models import User
from civicgrid.accounts.passwords import CharacterClassValidator, character_classes
from civicgrid.accounts.roles import CAPABILITIES, Role
from civicgrid.core.errors import DomainError

pytestmark = pytest.mark.django_db

PASSWORD_FOR_TESTS = "Str0ng-Enough-Pass"


def make(**overrides):
    args = {
        "username": "new_person",
        "password": "Str0ng-Enough-Pass",
        "role": Role.GRID_WORKER,
        "region_code": "320113002001001",
    }
    args.update(overrides)
    return services.create_user(**args)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"region_code": ""}, "accounts.no_region"),
        ({"region_code": "320199"}, "regions.unknown_code"),
        ({"role": "emperor"}, "accounts.bad_role"),
        ({"password": "short1A!"}, "accounts.weak_password"),
        ({"password": "alllowercaseletters"}, "accounts.weak_password"),
        ({"username": "GINA_GRID"}, "accounts.username_taken"),
    ],
)
def test_bad_input_gets_a_clear_error_and_creates_nobody(world, overrides, code):
    before = User.objects.count()
    with pytest.raises(DomainError) as caught:
        make(**overrides)
    assert caught.value.code == code
    assert str(caught.value.message)
    assert User.objects.count() == before


def test_a_town_operator_cannot_create_an_account_in_the_sibling_town(world):
    with pytest.raises(DomainError) as caught:
        make(region_code="320113003001", by=world.town_operator)
    assert caught.value.code == "accounts.region_outside_scope"


def test_only_administrators_get_the_admin_site(world):
    assert world.admin.is_staff
    assert not world.county_operator.is_staff
    assert make().is_staff is False


def test_every_role_has_a_capability_set_and_leaders_only_read_and_supervise():
    assert set(CAPABILITIES) == set(Role.values)
    # 督办 (flagging a case for attention) is the one thing a leader does besides reading.
    assert CAPABILITIES[Role.LEADER] == {
        "regions.view", "regions.locate", "people.count", "events.view", "events.supervise",
        "command.view",
        "resources.view", "assistance.numbers",
        "disputes.view", "disputes.numbers",
    }  # fmt: skip


def test_only_county_operators_and_administrators_may_edit_boundaries():
    editors = {role for role, caps in CAPABILITIES.items() if "regions.edit_boundaries" in caps}
    assert editors == {Role.COUNTY_OPERATOR, Role.ADMIN}


@given(st.text(min_size=12, max_size=40))
def test_the_class_validator_agrees_with_the_class_count(password):
    validator = CharacterClassValidator(min_classes=3)
    if character_classes(password) >= 3:
        validator.validate(password)
    else:
        with pytest.raises(ValidationError) as caught:
            validator.validate(password)
        assert caught.value.code == "password_too_simple"


@given(st.from_regex(r"[a-z]{4}[A-Z]{4}[0-9]{4}", fullmatch=True))
def test_letters_of_both_cases_and_digits_make_three_classes(password):
    assert character_classes(password) == 3


def test_an_account_without_an_area_gets_a_clear_answer_not_a_crash(world, as_user):
    nobody = User.objects.create_user("no_area", password=PASSWORD_FOR_TESTS, role=Role.LEADER)
    client = as_user(nobody)
    api = client.get("/api/v1/regions/32", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 403
    assert api.json()["code"] == "accounts.no_region"
    page = client.get("/regions/32/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 403
    assert "not assigned to any area" in page.content.decode()
    assert client.get("/").status_code == 403
