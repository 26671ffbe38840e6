"""Who is acting in the current request, task or command; kept in a context variable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who is acting in the current request or command (set by middleware or a command)."""

    user: Any = None
    source_ip: str | None = None
    # Who acts when no user does, e.g. "cli:root demo" for a management command.
    label: str = ""


_NOBODY = Actor()
_actor: ContextVar[Actor | None] = ContextVar("civicgrid_actor", default=None)


@contextmanager
def acting_as(user: Any = None, source_ip: str | None = None, label: str = "") -> Iterator[None]:
    token = _actor.set(Actor(user=user, source_ip=source_ip, label=label))
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> Actor:
    return _actor.get() or _NOBODY


class SystemUser:
    """The platform itself acting (deadline jobs, automatic escalation): every capability, no
    area bound, never a signed-in person. Passed as `by=` where a service wants a user."""

    is_system = True
    is_authenticated = False
    is_active = True
    pk = None
    region_code = ""

    def can(self, capability: str) -> bool:
        return True

    def get_username(self) -> str:
        return "system"

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemUser()
