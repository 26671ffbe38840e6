"""Notifications: one row per person told about something, read or not."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """Something a person should know: a new order, a deadline passing, a whistle."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    # A stable code (events.order_dispatched …) so clients can group and filter.
    code = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at"], name="notifications_unread"),
            # One person's list, newest first, a page at a time.
            models.Index(fields=["user", "-created_at", "-id"], name="notifications_mine"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"
