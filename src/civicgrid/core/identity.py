"""Resident ID numbers (GB 11643-1999), mainland mobile phones, and their masked display forms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import DomainError

ID_LENGTH = 18
# ISO 7064 MOD 11-2 as GB 11643 states it: weight 2^(17-i) mod 11 for positions 1..17.
CHECK_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # indexed by (weighted sum mod 11)

# First two digits of real province-level divisions (GB/T 2260): 11–15 north, 21–23 north-east,
# 31–37 east, 41–46 centre-south, 50–54 south-west, 61–65 north-west, 71 Taiwan, 81/82 HK/Macao.
PROVINCE_PREFIXES: frozenset[str] = frozenset(
    f"{n:02d}"
    for lo, hi in ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65))
    for n in range(lo, hi + 1)
) | frozenset({"71", "81", "82"})

EARLIEST_BIRTH = date(1900, 1, 1)

_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_PHONE_SEPARATORS = re.compile(r"[\s\-]")
_PHONE_SHAPE = re.compile(r"1[3-9][0-9]{9}")

Gender = Literal["M", "F"]


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A parsed, valid resident ID number and the facts it encodes."""

    number: str
    region_code: str
    birth_date: date
    gender: Gender
    order: int


def check_character(first17: str) -> str:
    """The 18th character of the ID number that starts with these 17 digits."""
    if len(first17) != ID_LENGTH - 1 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("check_character needs exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, CHECK_WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def make_id_number(region_code6: str, birth_date: date, order: int) -> str:
    """Compose a valid ID number; `order` 0–999, odd for men and even for women."""
    if len(region_code6) != 6 or not (region_code6.isascii() and region_code6.isdigit()):
        raise ValueError("region_code6 must be 6 ASCII digits")
    if not 0 <= order <= 999:
        raise ValueError("order must be in 0..999")
    first17 = f"{region_code6}{birth_date:%Y%m%d}{order:03d}"
    return first17 + check_character(first17)


def age_on(birth_date: date, on: date) -> int:
    """Completed years of age on a day (a 29 February birthday counts from 1 March)."""
    had_birthday = (on.month, on.day) >= (birth_date.month, birth_date.day)
    return on.year - birth_date.year - (0 if had_birthday else 1)


def normalise_id_number(value: str) -> str:
    """Strip blanks and upper-case a trailing x, as people type it either way."""
    return value.strip().upper()


def parse_id_number(value: str, *, today: date | None = None) -> IdNumber:
    """Validate an ID number and return its parts, or raise DomainError with a stable code.

    Shape is checked before the check character, so a typo in length is not reported as a
    checksum error; the checksum before the date and region, because a wrong check character
    is the most common slip and the most useful thing to tell the person.
    """
    number = normalise_id_number(value)
    if len(number) != ID_LENGTH or not _ID_SHAPE.fullmatch(number):
        raise DomainError(
            "identity.id_length",
            _("An ID number has 18 characters: 17 digits and a digit or X."),
        )
    if check_character(number[:17]) != number[17]:
        raise DomainError(
            "identity.id_check", _("This ID number is not valid: check the digits again.")
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth = None
    if birth is None or birth < EARLIEST_BIRTH or birth > (today or date.today()):
        raise DomainError(
            "identity.id_birth_date", _("The birth date in this ID number is impossible.")
        )
    region = number[:6]
    if region[:2] not in PROVINCE_PREFIXES or region[2:] == "0000":
        raise DomainError(
            "identity.id_region", _("The region code in this ID number does not exist.")
        )
    order = int(number[14:17])
    return IdNumber(
        number=number,
        region_code=region,
        birth_date=birth,
        gender="M" if order % 2 else "F",
        order=order,
    )


def parse_phone(value: str) -> str:
    """A mainland mobile number as 11 digits; +86/0086, spaces and dashes are accepted."""
    digits = _PHONE_SEPARATORS.sub("", value)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
            break
    if not _PHONE_SHAPE.fullmatch(digits):
        raise DomainError(
            "identity.phone", _("Enter a mainland mobile number: 11 digits starting with 1.")
        )
    return digits


def _mask(value: str, length: int, keep_head: int, keep_tail: int) -> str:
    # A value of any other length (a typo, a 15-digit old ID, a landline) is hidden entirely,
    # keeping only its length: the ends are safe to show only where the middle is long enough.
    if len(value) != length:
        return "*" * len(value)
    hidden = len(value) - keep_head - keep_tail
    return value[:keep_head] + "*" * hidden + value[len(value) - keep_tail :]


def mask_id_number(value: str) -> str:
    """Display form of an ID number: first 4 and last 4 characters (GB/T 35273 practice)."""
    return _mask(value, ID_LENGTH, 4, 4)


def mask_phone(value: str) -> str:
    """Display form of a mobile number: first 3 and last 4 digits."""
    return _mask(value, 11, 3, 4)
