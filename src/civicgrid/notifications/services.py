"""Telling people: store an in-app notification per recipient, once the change has committed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from civicgrid.notifications.models import Notification


def notify(
    *, users: Iterable[Any], code: str, title: str, body: str = "", link: str = ""
) -> list[Notification]:
    """One notification per distinct active user (inside the caller's transaction)."""
    now = timezone.now()
    seen: set[int] = set()
    rows = []
    for user in users:
        if user is None or not getattr(user, "is_active", False) or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                user=user, code=code, title=title[:200], body=body, link=link, created_at=now
            )
        )
    created = Notification.objects.bulk_create(rows)
    return created


@transaction.atomic
def mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark some (or all) of a user's notifications read; returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
