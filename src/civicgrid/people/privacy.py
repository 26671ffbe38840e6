"""Sensitive personal information in the register (SECURITY.md; PIPL arts 28 and 31): health,
disability, children at risk, money, and children under 14. Only roles whose work needs them
see these tags on a person, or a child's full name; the others (a micro-grid liaison, a
mediator) see the person without the tags and a child's name masked (王**).

Counts by tag stay open to whoever may count (PEOPLE_COUNT): they show how many, not who.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, TypeVar

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import DomainError
from civicgrid.core.identity import age_on
from civicgrid.people.models import Tag

VIEW_SENSITIVE = "people.view_sensitive"
SENSITIVE_TAGS = frozenset(
    {Tag.DISABLED, Tag.SERIOUSLY_ILL, Tag.CHILD_IN_DIFFICULTY, Tag.LOW_INCOME, Tag.KEY_CARE}
)

# PIPL art. 28: personal information of a minor under fourteen is sensitive.
MINOR_BELOW = 14

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


def shown_name(person: Any, user: Any, today: date | None = None) -> str:
    """A person's name as `user` may see it: a child's masked but for the family name."""
    name = str(person.name)
    born = getattr(person, "birth_date", None)
    if sees_sensitive(user) or born is None:
        return name
    if age_on(born, today or timezone.localdate()) >= MINOR_BELOW:
        return name
    return name[:1] + "*" * (len(name) - 1)
