"""Senders for the tests: one that records what it was given, one whose gateway is down."""

from __future__ import annotations

SENT: list[tuple[str, int]] = []


class RecordingSender:
    def send(self, notification) -> None:
        SENT.append(("recording", notification.pk))


class BrokenSender:
    def send(self, notification) -> None:
        raise ConnectionError("gateway down")


class IdempotentSender:
    """Its gateway drops a request whose delivery key it has seen (see Delivery)."""

    idempotent = True

    def send(self, notification) -> None:
        SENT.append(("idempotent", notification.pk))
