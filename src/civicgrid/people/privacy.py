"""Sensitive personal information in the register (SECURITY.md; PIPL art. 28): health,
disability, children at risk and money. Only roles whose work needs them see these tags on a
person; the others (a micro-grid liaison, a mediator) see the person without them.

Counts by tag stay open to whoever may count (PEOPLE_COUNT): they show how many, not who.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import DomainError
from civicgrid.people.models import Tag

VIEW_SENSITIVE = "people.view_sensitive"
SENSITIVE_TAGS = frozenset(
    {Tag.DISABLED, Tag.SERIOUSLY_ILL, Tag.CHILD_IN_DIFFICULTY, Tag.LOW_INCOME, Tag.KEY_CARE}
)

T = TypeVar("T")


def sees_sensitive(user: Any) -> bool:
    can = getattr(user, "can", None)
    return bool(can and can(VIEW_SENSITIVE))


def visible_tags(tags: Iterable[T], user: Any) -> list[T]:
    """The tags (objects with `.tag`, or TagValues) of one person that `user` may see."""
    if sees_sensitive(user):
        return list(tags)
    return [t for t in tags if getattr(t, "tag", "") not in SENSITIVE_TAGS]


def check_tag_filter(tag: str, user: Any) -> None:
    """A list of people filtered by a sensitive tag is that tag on each of them."""
    if tag in SENSITIVE_TAGS and not sees_sensitive(user):
        raise DomainError(
            "people.sensitive_tag",
            _("Your role does not see this tag on people; ask for a count instead."),
            status=403,
            field="tag",
        )
