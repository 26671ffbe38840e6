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


class Delivery(models.Model):
    """One notification handed to one external sender (e-mail, SMS): at most once.

    The row is written (CLAIMED) before the sender is called and marked SENT after. A worker
    killed in between leaves it CLAIMED: whether the gateway took the message is unknown, so it
    is not sent again (a sender that passes `delivery_key` to a gateway that drops repeats may
    say `idempotent = True`, and is then called again). A sender that fails gives its claim
    back, and the retry claims anew.
    """

    class State(models.TextChoices):
        CLAIMED = "claimed", _("being sent")
        SENT = "sent", _("sent")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    sender = models.CharField(_("sender"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    claimed_at = models.DateTimeField(_("claimed"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "sender"], name="one_delivery_per_sender"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} → {self.sender}: {self.state}"
