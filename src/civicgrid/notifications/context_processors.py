"""The unread count for the navigation bar's badge, counted only when a page shows it."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpRequest

from civicgrid.notifications.selectors import unread_count


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # A callable: the template calls it (one COUNT) where it uses it, and never otherwise.
    return {"unread_notifications": partial(unread_count, user)}
