"""Telling people: an in-app notification per recipient, then the external senders after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy

from civicgrid.core.bulk import insert_rows
from civicgrid.core.queue import queued_in_database
from civicgrid.notifications import senders as external
from civicgrid.notifications.models import Delivery, Notification

logger = logging.getLogger(__name__)


# A text to tell: plain (a name, a reason someone typed) or a lazy translation, which each
# recipient gets in their own language (User.language), not in the language of whoever or
# whatever caused the notification.
Text = str | Promise


def _formatted(text: Text, params: dict[str, Any]) -> str:
    return str(text) % {key: str(value) for key, value in params.items()}


_lazy_formatted = lazy(_formatted, str)


def later(text: Text, **params: Any) -> Text:
    """`_("… %(name)s …") % params`, rendered when (and in the language in which) it is read:
    the `%` of a lazy translation renders at once, in the current language."""
    return _lazy_formatted(text, params)


@dataclass(frozen=True)
class Message:
    """One thing to tell some people (for `notify_many`)."""

    users: Sequence[Any]
    code: str
    title: Text
    body: Text = ""
    link: str = ""


def notify(
    *, users: Iterable[Any], code: str, title: Text, body: Text = "", link: str = ""
) -> list[int]:
    """One notification per distinct active user (inside the caller's transaction); their ids."""
    return notify_many([Message(list(users), code, title, body, link)])


# What a notification is stored with (read_at stays empty), in the order `notify_many` gives.
_FIELDS = ("user_id", "code", "title", "body", "link", "created_at")


def notify_many(messages: Iterable[Message]) -> list[int]:
    """Several messages stored at once (the deadline job tells thousands of people at once);
    the ids of the notifications stored.

    External senders (e-mail, SMS) get the rows only once the caller's transaction commits,
    through a task each: a rolled-back change tells nobody, and a slow mail server never
    slows the request or job that caused the notification.
    """
    now = timezone.now()
    messages = list(messages)
    languages = _languages(user for message in messages for user in message.users)
    recipients = [_recipients(message, languages) for message in messages]
    texts = _rendered(messages, recipients)
    rows = [
        (
            pk,
            message.code,
            texts[index, language][0][:200],
            texts[index, language][1],
            message.link,
            now,
        )
        for index, message in enumerate(messages)
        for pk, language in recipients[index]
    ]
    ids = insert_rows(Notification, _FIELDS, rows)
    if ids and settings.NOTIFICATION_SENDERS:
        if queued_in_database():
            # The tasks commit with the change: a crash between the two loses nothing.
            _enqueue_deliveries(ids)
        else:
            # Elsewhere a task could run before the change is visible; robust: a queue that
            # cannot take the task must not undo what already committed.
            transaction.on_commit(lambda: _enqueue_deliveries(ids), robust=True)
    return ids


def _recipients(message: Message, languages: dict[int, str]) -> list[tuple[int, str]]:
    """(user id, language) of each distinct active user the message is for."""
    found: dict[int, str] = {}
    for user in message.users:
        if user is not None and getattr(user, "is_active", False) and user.pk not in found:
            found[user.pk] = languages.get(user.pk) or settings.LANGUAGE_CODE
    return list(found.items())


def _rendered(
    messages: list[Message], recipients: list[list[tuple[int, str]]]
) -> dict[tuple[int, str], tuple[str, str]]:
    """(title, body) of each message in each language it is read in. Each language is switched
    to once for the whole batch: switching per message took a quarter of `notify_many`'s time
    for the deadline job's 20,000 warnings."""
    wanted: dict[str, set[int]] = {}
    for index, readers in enumerate(recipients):
        for _pk, language in readers:
            wanted.setdefault(language, set()).add(index)
    texts = {}
    for language, indexes in wanted.items():
        with translation.override(language):
            for index in indexes:
                texts[index, language] = (str(messages[index].title), str(messages[index].body))
    return texts


def _languages(users: Iterable[Any]) -> dict[int, str]:
    """Each recipient's language: from the loaded user where it was loaded, else one query."""
    known: dict[int, str] = {}
    missing = set()
    for user in users:
        if user is None:
            continue
        if "language" in user.__dict__:
            known[user.pk] = user.language
        else:
            missing.add(user.pk)
    if missing - known.keys():
        found = get_user_model().objects.filter(pk__in=missing - known.keys())
        known.update(found.values_list("pk", "language"))
    return known


def _enqueue_deliveries(ids: list[int]) -> None:
    from civicgrid.notifications.tasks import deliver_notification

    for pk in ids:
        deliver_notification.enqueue(pk)


def deliver(notification_id: int, *, only: list[str] | None = None) -> list[str]:
    """Hand one notification to the external senders; returns the senders that failed.

    A failing sender is logged and does not stop the others; the in-app row stays as it is.
    """
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or not notification.user.is_active:
        return []
    failed = []
    for path, sender in external.configured(only):
        if not _claim(notification, path, again=getattr(sender, "idempotent", False)):
            continue
        try:
            sender.send(notification)
        except Exception:
            logger.exception("notification %s: sender %s failed", notification_id, path)
            Delivery.objects.filter(notification=notification, sender=path).delete()
            failed.append(path)
        else:
            Delivery.objects.filter(notification=notification, sender=path).update(
                state=Delivery.State.SENT, sent_at=timezone.now()
            )
    return failed


def delivery_key(notification: Notification, sender_path: str) -> str:
    """A key a gateway that drops repeated requests can be given (see Delivery)."""
    return f"civicgrid-{notification.pk}-{sender_path.rsplit('.', 1)[-1]}"


def _claim(notification: Notification, path: str, *, again: bool) -> bool:
    """Take this notification for this sender, unless it was sent, or taken by a run that did
    not finish (then only an idempotent sender goes again)."""
    delivery, created = Delivery.objects.get_or_create(
        notification=notification, sender=path, defaults={"state": Delivery.State.CLAIMED}
    )
    if created:
        return True
    if delivery.state == Delivery.State.CLAIMED and again:
        return True
    if delivery.state == Delivery.State.CLAIMED:
        logger.warning(
            "notification %s: an earlier delivery by %s did not finish (its worker stopped); "
            "not sent again, so that nobody gets it twice",
            notification.pk,
            path,
        )
    return False


@transaction.atomic
def mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark some (or all) of a user's notifications read; returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
