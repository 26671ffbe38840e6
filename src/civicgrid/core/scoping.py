"""The region code a scoped read starts from, with a clear error when there is none."""

from __future__ import annotations

from typing import Protocol

from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import DomainError


class HasRegion(Protocol):
    """Anything that carries a region code: a user, or a region itself."""

    @property
    def region_code(self) -> str: ...


def root_code(who: HasRegion | str) -> str:
    """The code of the subtree `who` may see. Never empty: an empty prefix would match everything."""
    code = who if isinstance(who, str) else getattr(who, "region_code", "")
    if not code:
        raise DomainError(
            "accounts.no_region",
            _("Your account is not assigned to any area. Ask an administrator to assign one."),
            status=403,
        )
    return code


def is_within(code: str, by: object) -> bool:
    """Does `code` lie in the area of `by`? System work (`by` is None or the SYSTEM actor) is
    not area-bound; a user without an area gets the clear `accounts.no_region` error."""
    if by is None or getattr(by, "is_system", False):
        return True
    return code.startswith(root_code(by))  # type: ignore[arg-type]
