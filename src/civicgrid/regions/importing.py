"""Importing official divisions into the place tree: validated, idempotent, one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.core.audit import log_action, register_action
from civicgrid.core.errors import DomainError
from civicgrid.regions.divisions import Division, jiangsu_divisions
from civicgrid.regions.levels import CODE_LENGTH, Level, parent_code
from civicgrid.regions.models import Region

BATCH_SIZE = 500

# The import owns these columns; boundaries, counts and the row's source stay as they are.
OWNED_FIELDS = ["name", "level", "parent", "centroid_lng", "centroid_lat", "updated_at"]


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    by_level: dict[int, int]


DIVISIONS_IMPORTED = register_action("regions.divisions.imported", _("imported divisions"))


def import_divisions(*, divisions: Iterable[Division] | None = None) -> ImportResult:
    """Create or update the given divisions (default: all of Jiangsu); nothing changes on error.

    Idempotent: a row whose owned fields already match is not written, so its updated_at
    stays. Rows not in the input are left alone (nothing is deleted).
    """
    items = list(jiangsu_divisions() if divisions is None else divisions)
    _validate(items)
    with transaction.atomic():
        existing = _existing_rows(items)
        to_create, to_update = _plan(items, existing)
        Region.all_objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        Region.all_objects.bulk_update(to_update, OWNED_FIELDS, batch_size=BATCH_SIZE)
        result = ImportResult(
            created=len(to_create),
            updated=len(to_update),
            unchanged=len(items) - len(to_create) - len(to_update),
            by_level=dict(sorted(Counter(d.level for d in items).items())),
        )
        if to_create or to_update:
            log_action(
                None,
                DIVISIONS_IMPORTED,
                data={"created": result.created, "updated": result.updated},
            )
    return result


# ---------------------------------------------------------------- validation


def _validate(items: list[Division]) -> None:
    for division in items:
        _check_code(division)
    _check_unique(items)
    for division in items:
        _check_parent(division)
    _check_parents_exist(items)


def _check_code(division: Division) -> None:
    code, level = division.code, division.level
    well_formed = (
        level in CODE_LENGTH
        and code.isascii()
        and code.isdigit()
        and len(code) == CODE_LENGTH[level]
    )
    if not well_formed:
        raise DomainError(
            "regions.malformed_code",
            _("The code “%(code)s” is not a well-formed code for level %(level)s.")
            % {"code": code, "level": level},
            region_code=code,
        )


def _check_unique(items: list[Division]) -> None:
    duplicates = sorted(code for code, n in Counter(d.code for d in items).items() if n > 1)
    if duplicates:
        raise DomainError(
            "regions.duplicate_code",
            _("The code “%(code)s” appears more than once.") % {"code": duplicates[0]},
            codes=duplicates[:20],
        )


def _check_parent(division: Division) -> None:
    # The code fixes the parent: the prefix one level up (nothing for a province).
    expected = parent_code(division.code)
    if division.parent_code != expected:
        raise DomainError(
            "regions.bad_parent",
            _("“%(code)s” cannot be placed under “%(parent)s”; its parent must be “%(expected)s”.")
            % {"code": division.code, "parent": division.parent_code, "expected": expected},
            region_code=division.code,
        )


def _check_parents_exist(items: list[Division]) -> None:
    codes = {d.code for d in items}
    wanted = sorted({d.parent_code for d in items if d.parent_code and d.parent_code not in codes})
    found: set[str] = set()
    for start in range(0, len(wanted), BATCH_SIZE):  # stay under the database's parameter limit
        batch = wanted[start : start + BATCH_SIZE]
        found.update(Region.all_objects.filter(code__in=batch).values_list("code", flat=True))
    missing = [code for code in wanted if code not in found]
    if missing:
        raise DomainError(
            "regions.unknown_parent",
            _("The parent “%(code)s” is neither imported nor known.") % {"code": missing[0]},
            codes=missing[:20],
        )


# ---------------------------------------------------------------- writing


def _existing_rows(items: list[Division]) -> dict[str, Region]:
    # One query by level instead of a code__in with ~21,000 parameters; boundaries stay unread.
    levels = {d.level for d in items}
    rows = Region.all_objects.filter(level__in=levels).only("code", *OWNED_FIELDS[:-1])
    codes = {d.code for d in items}
    return {row.code: row for row in rows if row.code in codes}


def _plan(items: list[Division], existing: dict[str, Region]) -> tuple[list[Region], list[Region]]:
    now = timezone.now()
    to_create, to_update = [], []
    for division in items:
        row = existing.get(division.code)
        if row is None:
            to_create.append(_new_row(division))
        elif _apply(division, row):
            row.updated_at = now  # bulk_update does not run auto_now
            to_update.append(row)
    return to_create, to_update


def _new_row(division: Division) -> Region:
    return Region(
        code=division.code,
        name=division.name,
        level=Level(division.level),
        parent_id=division.parent_code,
        centroid_lng=division.lng,
        centroid_lat=division.lat,
        source=Region.Source.OFFICIAL,
    )


def _apply(division: Division, row: Region) -> bool:
    """Copy the owned fields onto the row; True when something changed."""
    wanted: dict[str, object] = {
        "name": division.name,
        "level": division.level,
        "parent_id": division.parent_code,
    }
    # A division without a centroid (towns, communities) must not erase one set by other means.
    if division.lng is not None and division.lat is not None:
        wanted |= {"centroid_lng": division.lng, "centroid_lat": division.lat}
    changed = False
    for name, value in wanted.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed
