"""Checks on free text people type: nothing a keyboard does not make."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import DomainError

# NUL and the other control characters are never typed; PostgreSQL refuses NUL outright, so
# letting one through would turn a typing accident into a server error.
_CONTROL = frozenset(chr(c) for c in (*range(0, 32), 127)) - {"\n", "\r", "\t"}


def refuse_control_characters(value: str, *, code: str, field: str | Promise) -> str:
    """The value unchanged, or a DomainError with `code` when it holds control characters."""
    if any(ch in _CONTROL for ch in value):
        raise DomainError(
            code,
            _("%(field)s holds characters that cannot be stored.") % {"field": field},
            field=str(field),
        )
    return value
