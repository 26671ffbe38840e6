"""A password older than PASSWORD_MAX_AGE_DAYS (default 90) must be changed before anything else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.accounts.models import User
from civicgrid.core.models import AuditEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def age_password(user, days: int) -> None:
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days))


def test_an_expired_password_leads_to_the_change_page_and_the_api_refuses(world, as_user, settings):
    age_password(world.grid_worker, settings.PASSWORD_MAX_AGE_DAYS + 1)
    client = as_user(world.grid_worker)
    page = client.get("/people/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/password/")
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["code"] == "auth.password_expired"
    assert 'data-testid="password-expired"' in client.get("/accounts/password/").content.decode()


def test_changing_it_opens_the_site_again_and_is_logged(world, as_user, settings):
    age_password(world.grid_worker, settings.PASSWORD_MAX_AGE_DAYS + 1)
    client = as_user(world.grid_worker)
    new = "Brand-New-Secret-2026!"
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.get("/api/v1/me").status_code == 200  # still signed in
    world.grid_worker.refresh_from_db()
    assert timezone.now() - world.grid_worker.password_changed_at < timedelta(minutes=1)
    assert AuditEntry.objects.filter(action="accounts.password.changed").exists()


def test_the_new_password_must_pass_the_policy(world, as_user, settings):
    age_password(world.grid_worker, settings.PASSWORD_MAX_AGE_DAYS + 1)
    client = as_user(world.grid_worker)
    weak = "password"
    page = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
    )
    assert page.status_code == 200
    assert client.get("/api/v1/me").status_code == 403


def test_a_recent_password_and_a_zero_setting_do_not_expire(world, as_user, settings):
    age_password(world.grid_worker, settings.PASSWORD_MAX_AGE_DAYS - 1)
    assert as_user(world.grid_worker).get("/api/v1/me").status_code == 200
    age_password(world.grid_worker, 1000)
    settings.PASSWORD_MAX_AGE_DAYS = 0
    assert as_user(world.grid_worker).get("/api/v1/me").status_code == 200
