"""Template filter for what a user may do: `{% if user|can:"events.view" %}`."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def can(user: Any, capability: str) -> bool:
    check = getattr(user, "can", None)
    return bool(check is not None and check(capability))
