"""Reads of the notification centre: always one person's own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from civicgrid.notifications.models import Notification


def notifications_of(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
