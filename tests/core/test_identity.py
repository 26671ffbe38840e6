"""ID numbers, phones and masks: property-based checks of the validators and display forms."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicgrid.core.errors import DomainError
from civicgrid.core.identity import (
    PROVINCE_PREFIXES,
    age_on,
    check_character,
    make_id_number,
    mask_id_number,
    mask_phone,
    parse_id_number,
    parse_phone,
)

TODAY = date(2026, 6, 1)
FAST = settings(max_examples=200, deadline=None)

regions = st.builds(
    lambda p, rest: p + rest,
    st.sampled_from(sorted(PROVINCE_PREFIXES)),
    st.integers(1, 9999).map(lambda n: f"{n:04d}"),
)
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
orders = st.integers(0, 999)


def code_of(value: str, today: date = TODAY) -> str:
    with pytest.raises(DomainError) as err:
        parse_id_number(value, today=today)
    return err.value.code


def test_it_accepts_the_standard_example():
    # The worked example from GB 11643-1999, appendix.
    parsed = parse_id_number("11010519491231002x", today=TODAY)
    assert parsed.number == "11010519491231002X"
    assert parsed.region_code == "110105"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.gender == "F"
    assert parsed.order == 2
    assert check_character("11010519491231002") == "X"


@FAST
@given(regions, births, orders)
def test_a_made_number_parses_back_to_its_parts(region, birth, order):
    number = make_id_number(region, birth, order)
    parsed = parse_id_number(f"  {number.lower()} ", today=TODAY)
    assert parsed.number == number
    assert (parsed.region_code, parsed.birth_date, parsed.order) == (region, birth, order)
    assert parsed.gender == ("M" if order % 2 else "F")


@settings(max_examples=30, deadline=None)
@given(regions, births, orders)
def test_every_single_character_change_is_rejected(region, birth, order):
    number = make_id_number(region, birth, order)
    for i in range(18):
        for ch in "0123456789X":
            if ch == number[i]:
                continue
            corrupt = number[:i] + ch + number[i + 1 :]
            with pytest.raises(DomainError):
                parse_id_number(corrupt, today=TODAY)


@FAST
@given(regions, births, orders)
def test_a_wrong_check_character_has_its_own_code(region, birth, order):
    number = make_id_number(region, birth, order)
    wrong = "0" if number[17] != "0" else "1"
    assert code_of(number[:17] + wrong) == "identity.id_check"


@pytest.mark.parametrize(
    "value", ["", "1101051949123100", "1101051949123100211", "11010519491231002Y", "X" * 18]
)
def test_it_rejects_a_wrong_shape(value):
    assert code_of(value) == "identity.id_length"


@pytest.mark.parametrize(
    "ymd", ["19490230", "19491301", "19490000", "18991231", "20260602", "20991231"]
)
def test_it_rejects_an_impossible_birth_date(ymd):
    first17 = f"110105{ymd}002"
    assert code_of(first17 + check_character(first17)) == "identity.id_birth_date"


@FAST
@given(st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2999, 12, 31)))
def test_it_rejects_a_future_birth_date(birth):
    assert code_of(make_id_number("320102", birth, 1)) == "identity.id_birth_date"


@pytest.mark.parametrize("region", ["000000", "190101", "320000", "990102", "700101"])
def test_it_rejects_a_region_that_does_not_exist(region):
    assert code_of(make_id_number(region, date(1990, 1, 1), 1)) == "identity.id_region"


@FAST
@given(births, st.integers(0, 120).map(lambda d: timedelta(days=365 * d + d // 3)))
def test_age_counts_completed_years(birth, later):
    on = birth + later
    age = age_on(birth, on)
    assert age >= 0
    assert age_on(birth, birth) == 0
    # One day before the next birthday the age has not yet gone up.
    assert age == on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


mobiles = st.builds(
    lambda second, rest: f"1{second}{rest:09d}",
    st.sampled_from("3456789"),
    st.integers(0, 10**9 - 1),
)


@FAST
@given(mobiles, st.sampled_from(["", "+86", "0086", "+86 ", "0086-"]), st.booleans())
def test_it_accepts_a_mobile_in_the_usual_spellings(mobile, prefix, spaced):
    typed = f"{mobile[:3]} {mobile[3:7]}-{mobile[7:]}" if spaced else mobile
    assert parse_phone(prefix + typed) == mobile


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1381234567",
        "138123456789",
        "12812345678",
        "23812345678",
        "025-8888888",
        "+1 3812345678",
        "138l2345678",
        "８６13812345678",
    ],
)
def test_it_rejects_what_is_not_a_mainland_mobile(value):
    with pytest.raises(DomainError) as err:
        parse_phone(value)
    assert err.value.code == "identity.phone"


def test_masks_match_the_examples():
    assert mask_id_number("320102199001011234") == "3201**********1234"
    assert mask_phone("13812345678") == "138****5678"


@FAST
@given(regions, births, orders)
def test_an_id_mask_keeps_the_shape_and_hides_the_middle(region, birth, order):
    number = make_id_number(region, birth, order)
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked[:4] == number[:4] and masked[-4:] == number[-4:]
    assert masked[4:14] == "*" * 10  # birth date and the region's county digits stay hidden


@FAST
@given(mobiles)
def test_a_phone_mask_keeps_the_shape_and_hides_the_middle(mobile):
    masked = mask_phone(mobile)
    assert masked == mobile[:3] + "****" + mobile[-4:]


@FAST
@given(st.text(max_size=30))
def test_masks_tolerate_odd_input_and_reveal_only_well_formed_ends(value):
    for mask, length in ((mask_id_number, 18), (mask_phone, 11)):
        masked = mask(value)
        assert len(masked) == len(value)
        if len(value) != length:
            assert masked == "*" * len(value)
