"""Reads of the notification centre: always one person's own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from civicgrid.notifications.models import Notification


def notifications_of(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    found = Notification.objects.filter(user=user)
    if unread_only:
        found = found.filter(read_at__isnull=True)
    return found


def unread_count(user: Any) -> int:
    """One COUNT on the (user, read_at) index: cheap enough for every page's badge."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
