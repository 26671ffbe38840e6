"""Session limits (idle and absolute) and demo accounts refused outside the demo."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from civicgrid.accounts import services
from civicgrid.accounts.roles import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_busy_session_still_ends_at_the_absolute_limit(world, settings, monkeypatch):
    client = Client()
    client.post("/accounts/login/", {"username": "gina_grid", "password": PASSWORD})
    start = time.time()
    # Active every 20 minutes, so never idle; the absolute limit ends it all the same.
    step = 20 * 60
    for n in range(1, settings.SESSION_COOKIE_AGE // step + 1):
        monkeypatch.setattr(time, "time", lambda n=n: start + n * step)
        assert client.get("/api/v1/me").status_code == 200, n
    monkeypatch.setattr(time, "time", lambda: start + settings.SESSION_COOKIE_AGE + step)
    assert client.get("/api/v1/me").status_code == 401


def demo_user():
    return services.create_user(
        username="demo_grid",
        password=PASSWORD,
        role=Role.GRID_WORKER,
        region_code="320113002001001",
        is_demo=True,
    )


def test_a_demo_account_cannot_sign_in_when_demo_accounts_are_off(world, settings):
    settings.DEMO_ACCOUNTS_ALLOWED = False
    demo_user()
    refused = Client().post("/accounts/login/", {"username": "demo_grid", "password": PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in Client().session


def test_a_demo_session_ends_when_demo_accounts_are_turned_off(world, settings):
    settings.DEMO_ACCOUNTS_ALLOWED = True
    demo_user()
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": "demo_grid", "password": PASSWORD}).status_code
        == 302
    )
    assert client.get("/api/v1/me").status_code == 200
    settings.DEMO_ACCOUNTS_ALLOWED = False
    assert client.get("/api/v1/me").status_code == 401


def test_the_database_check_names_active_demo_accounts(world, settings):
    from civicgrid.core.checks import demo_accounts

    settings.DEMO_ACCOUNTS_ALLOWED = False
    assert demo_accounts(databases=["default"]) == []
    demo_user()
    [error] = demo_accounts(databases=["default"])
    assert error.id == "civicgrid.E005"
