"""The one check for a capability, shared by pages and API without importing accounts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied


def require(user: Any, capability: str) -> None:
    """403 unless the user's role grants the capability (users carry `can(capability)`)."""
    can = getattr(user, "can", None)
    if can is None or not can(capability):
        raise PermissionDenied(capability)
