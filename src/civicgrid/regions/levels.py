"""The levels of the place tree and the code length at each level."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("province")
    CITY = 2, _("city")
    COUNTY = 3, _("county/district")
    TOWN = 4, _("town/street")
    COMMUNITY = 5, _("community/village")
    GRID = 6, _("grid")
    MICROGRID = 7, _("micro-grid")


# Statistical division codes (32, 3201, 320113, 320113002, 320113002003), then three digits
# for the grid and three for the micro-grid.
CODE_LENGTH: dict[int, int] = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWN: 9,
    Level.COMMUNITY: 12,
    Level.GRID: 15,
    Level.MICROGRID: 18,
}
LEVEL_BY_LENGTH: dict[int, Level] = {length: Level(lv) for lv, length in CODE_LENGTH.items()}


def level_of_code(code: str) -> Level | None:
    """The level a well-formed code belongs to, or None when the code is malformed."""
    if not code.isascii() or not code.isdigit():
        return None
    return LEVEL_BY_LENGTH.get(len(code))


def parent_code(code: str) -> str | None:
    """The code of the parent node (None for a province or a malformed code)."""
    level = level_of_code(code)
    if level is None or level == Level.PROVINCE:
        return None
    return code[: CODE_LENGTH[level - 1]]


def ancestor_codes(code: str) -> list[str]:
    """Codes of every ancestor, from the province down, not including the code itself."""
    level = level_of_code(code)
    if level is None:
        return []
    return [code[: CODE_LENGTH[lv]] for lv in range(Level.PROVINCE, level)]
