"""Ways to reach people outside the application (e-mail, SMS), chosen by NOTIFICATION_SENDERS.

A sender is any class with `send(notification)`, built without arguments and named by its
dotted path in the setting. It raises when delivery failed (the task tries again later) and
returns quietly when there is nothing to do (no address, a kind it does not carry).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from civicgrid.core.identity import mask_phone

if TYPE_CHECKING:
    from civicgrid.notifications.models import Notification

logger = logging.getLogger(__name__)


class Sender(Protocol):
    def send(self, notification: Notification) -> None: ...


def full_link(notification: Notification) -> str:
    """The notification's link as an address outside the application can open."""
    if not notification.link:
        return ""
    return f"{settings.SITE_URL.rstrip('/')}{notification.link}"


class EmailSender:
    """Mails the notification to the recipient's address, through Django's EMAIL_* settings."""

    def send(self, notification: Notification) -> None:
        address = notification.user.email
        if not address:
            return
        text = "\n\n".join(part for part in (notification.body, full_link(notification)) if part)
        send_mail(
            subject=notification.title,
            message=text or notification.title,
            from_email=None,
            recipient_list=[address],
            fail_silently=False,
        )


class SmsSender:
    """Texts the notification to the recipient's phone, for the kinds in SMS_NOTIFICATION_CODES.

    A real gateway subclasses this and implements `send_sms`, raising when the gateway refuses.
    """

    # Chinese SMS gateways split messages longer than 70 characters; keep to one.
    max_length = 70

    def send(self, notification: Notification) -> None:
        if notification.code not in settings.SMS_NOTIFICATION_CODES:
            return
        phone = notification.user.phone
        if not phone:
            return
        self.send_sms(phone, self.text(notification))

    def text(self, notification: Notification) -> str:
        return notification.title[: self.max_length]

    def send_sms(self, phone: str, text: str) -> None:
        raise NotImplementedError("an SMS sender must say how it reaches its gateway")


class LogSmsSender(SmsSender):
    """Writes the SMS it would send to the log (demo and testing: no gateway is called)."""

    def send_sms(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), text)


@lru_cache(maxsize=8)
def _load(paths: tuple[str, ...]) -> tuple[tuple[str, Sender], ...]:
    return tuple((path, import_string(path)()) for path in paths)


def configured(only: list[str] | None = None) -> list[tuple[str, Sender]]:
    """The senders of NOTIFICATION_SENDERS (or those of `only` still configured), built once."""
    paths = list(settings.NOTIFICATION_SENDERS)
    if only is not None:
        paths = [path for path in paths if path in only]
    return list(_load(tuple(paths)))
