"""Running the same action in two threads at the same moment, for PostgreSQL race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from civicgrid.core.errors import DomainError


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")


def race(action: Callable[[], str], times: int = 2) -> list[str]:
    """Start `times` threads that run `action` together; each outcome is its result or the
    code of the DomainError it raised, sorted."""
    barrier = threading.Barrier(times)
    outcomes: list[str] = []

    def run() -> None:
        try:
            barrier.wait()
            outcomes.append(action())
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()  # each thread has its own connection

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)
