"""Shared helpers for the case engine's tests: a frozen clock and a way to start toy flows."""

from __future__ import annotations

from datetime import datetime

import pytest

from civicgrid.workflow import services
from civicgrid.workflow.deadlines import SHANGHAI
from tests.workflow import toy  # noqa: F401  (registers the toy workflows)

# Monday 2 March 2026, 09:00 in Nanjing: inside office hours.
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def start(world):
    """`start(priority=1)` → a toy flow in micro-grid A1, started Monday 09:00 by staff."""

    def _start(**kwargs):
        kwargs.setdefault("workflow", "toy")
        kwargs.setdefault("region_code", world.micro_a1.code)
        kwargs.setdefault("by", world.staff)
        kwargs.setdefault("now", MONDAY_9)
        return services.start_flow(**kwargs)

    return _start
