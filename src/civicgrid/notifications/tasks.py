"""Background tasks of the notification centre (they take ids, never objects)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from civicgrid.core.actor import acting_as
from civicgrid.notifications import services

logger = logging.getLogger(__name__)

# Waits before the second, third … attempt of a failed delivery (seconds).
RETRY_DELAYS = (60, 300, 1800, 7200)


@task()
def deliver_notification(
    notification_id: int, senders: list[str] | None = None, attempt: int = 1
) -> dict[str, list[str]]:
    """E-mail, SMS …: give one notification to the external senders (`senders`: only these)."""
    with acting_as(label="task:notifications.deliver"):
        failed = services.deliver(notification_id, only=senders)
    if failed:
        _try_again_later(notification_id, failed, attempt)
    return {"failed": failed}


def _try_again_later(notification_id: int, failed: list[str], attempt: int) -> None:
    backend = deliver_notification.get_backend()
    if attempt < settings.NOTIFICATION_ATTEMPTS and backend.supports_defer:
        delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
        deliver_notification.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
            notification_id, failed, attempt + 1
        )
        return
    logger.error(
        "notification %s was not delivered by %s (attempt %d of %d); it stays in-app only",
        notification_id,
        ", ".join(failed),
        attempt,
        settings.NOTIFICATION_ATTEMPTS,
    )
