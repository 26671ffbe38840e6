from __future__ import annotations

import pytest

from civicgrid.notifications import senders
from tests.notifications import senders as test_senders

RECORDING = "tests.notifications.senders.RecordingSender"
BROKEN = "tests.notifications.senders.BrokenSender"
IDEMPOTENT = "tests.notifications.senders.IdempotentSender"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fresh_senders():
    test_senders.SENT.clear()
    senders._load.cache_clear()
    yield
    senders._load.cache_clear()


@pytest.fixture
def sent():
    return test_senders.SENT
