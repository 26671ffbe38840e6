"""Administrators and security officers pass a second factor (TOTP or a backup code) on pages,
the API and the admin; set-up shows a QR code drawn on the server."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgrid.core.models import AuditEntry
from tests.conftest import client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def signed_in(user) -> Client:
    client = Client()
    assert (
        client.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}
        ).status_code
        == 302
    )
    return client


@pytest.mark.parametrize("persona", ["admin", "security_admin", "audit_admin"])
def test_an_administrator_without_a_second_factor_is_sent_to_set_one_up(world, persona, request):
    user = world.admin if persona == "admin" else request.getfixturevalue(persona)
    client = signed_in(user)
    for url in ["/admin/", "/regions/32/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/2fa/setup/"), url
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["code"] == "auth.second_factor_required"


def test_other_roles_need_no_second_factor(world):
    assert signed_in(world.grid_worker).get("/api/v1/me").status_code == 200


def test_setting_up_shows_a_qr_code_then_backup_codes_and_opens_the_admin(world):
    client = signed_in(world.admin)
    page = client.get("/accounts/2fa/setup/?next=/admin/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "otpauth" not in html
    device = TOTPDevice.objects.get(user=world.admin, confirmed=False)
    wrong = client.post("/accounts/2fa/setup/", {"token": "000000", "next": "/admin/"})
    assert "backup-codes" not in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code holds the next try back a moment (throttling)
    done = client.post("/accounts/2fa/setup/", {"token": code_of(device), "next": "/admin/"})
    codes = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/admin/").status_code == 200
    assert AuditEntry.objects.filter(
        action="accounts.second_factor.enrolled", actor=world.admin
    ).exists()


def test_with_a_device_the_next_sign_in_asks_for_a_code(world):
    device = TOTPDevice.objects.create(user=world.admin, name="phone", confirmed=True)
    client = signed_in(world.admin)
    assert client.get("/admin/")["Location"].startswith("/accounts/2fa/?")
    # A password alone never enrols another device.
    assert client.get("/accounts/2fa/setup/")["Location"].startswith("/accounts/2fa/?")
    assert client.post("/accounts/2fa/", {"token": "123456"}).status_code == 400
    assert AuditEntry.objects.filter(action="accounts.second_factor.failed").exists()
    device.refresh_from_db()
    device.throttle_reset()
    passed = client.post("/accounts/2fa/", {"token": code_of(device), "next": "/admin/"})
    assert passed["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_backup_code_works_once(world):
    client = client_for(world.admin)  # enrolled and verified
    from civicgrid.accounts.second_factor import new_backup_codes

    code = new_backup_codes(world.admin)[0]
    for expected in (302, 400):
        fresh = signed_in(world.admin)
        assert fresh.post("/accounts/2fa/", {"token": code}).status_code == expected
    assert not StaticToken.objects.filter(token=code).exists()
    assert client.get("/admin/").status_code == 200


def test_the_admin_is_closed_without_the_second_factor_even_with_a_session(world):
    client = client_for(world.admin, second_factor=False)
    assert client.get("/admin/accounts/user/").status_code == 302


def test_a_password_alone_cannot_change_the_password_of_an_administrator(world):
    client = signed_in(world.admin)
    response = client.get("/accounts/password/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/")
