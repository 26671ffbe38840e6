"""The one lookup rule for pages and API: outside your subtree → 404; inside without the right → 403."""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404

from civicgrid.accounts.models import User
from civicgrid.core.permissions import require

M = TypeVar("M", bound=Model)


def lookup(user: User, visible: QuerySet[M], capability: str | None = None, **where: object) -> M:
    """Find one object among those `visible` to the user (a scoped selector's queryset).

    Existence is checked before the right, so a user cannot learn what lies outside their area
    by the difference between 403 and 404.
    """
    try:
        obj = visible.get(**where)
    except (ObjectDoesNotExist, ValueError):
        raise Http404 from None
    if capability is not None:
        require(user, capability)
    return obj
