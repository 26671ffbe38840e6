"""Separation of duties (三权分立): system, security and audit administrators are different
accounts, and each does only its own job."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.db import IntegrityError, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgrid.accounts import services
from civicgrid.accounts.models import User
from civicgrid.accounts.roles import ADMIN_ROLES, CAPABILITIES, Cap, Role
from civicgrid.core.errors import DomainError
from civicgrid.core.models import AuditEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_only_the_audit_administrator_reads_the_audit_log():
    readers = {role for role, caps in CAPABILITIES.items() if Cap.READ_AUDIT in caps}
    assert readers == {Role.AUDIT_ADMIN}


def test_the_audit_administrator_can_do_nothing_but_read_the_audit_log():
    assert CAPABILITIES[Role.AUDIT_ADMIN] == frozenset({Cap.READ_AUDIT})


def test_only_the_security_administrator_unlocks_and_resets_second_factors():
    holders = {role for role, caps in CAPABILITIES.items() if Cap.MANAGE_SECURITY in caps}
    assert holders == {Role.SECURITY_ADMIN}
    assert Cap.MANAGE_USERS not in CAPABILITIES[Role.SECURITY_ADMIN]


def test_the_three_duties_never_share_a_capability_of_another():
    duties = {Role.ADMIN: Cap.MANAGE_USERS, Role.SECURITY_ADMIN: Cap.MANAGE_SECURITY}
    duties[Role.AUDIT_ADMIN] = Cap.READ_AUDIT
    for role in ADMIN_ROLES:
        others = {cap for other, cap in duties.items() if other != role}
        assert not others & CAPABILITIES[role], role


def test_each_administrator_role_opens_the_admin(world, security_admin, audit_admin):
    for user in (world.admin, security_admin, audit_admin):
        assert user.is_staff


def test_superuser_status_cannot_ride_on_the_audit_or_security_role(world):
    for role in (Role.AUDIT_ADMIN, Role.SECURITY_ADMIN, Role.GRID_WORKER):
        with pytest.raises(DomainError) as caught:
            services.create_user(
                username=f"super_{role}",
                password=PASSWORD,
                role=role,
                region_code="32",
                is_superuser=True,
            )
        assert caught.value.code == "accounts.duties_combined"
    root = services.create_user(
        username="root_admin",
        password=PASSWORD,
        role=Role.ADMIN,
        region_code="32",
        is_superuser=True,
    )
    assert root.is_superuser


def test_the_database_refuses_a_superuser_with_another_duty(world, audit_admin):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=audit_admin.pk).update(is_superuser=True)


def test_a_superuser_cannot_be_moved_into_the_audit_role(world):
    root = services.create_user(
        username="root_admin",
        password=PASSWORD,
        role=Role.ADMIN,
        region_code="32",
        is_superuser=True,
    )
    with pytest.raises(DomainError) as caught:
        services.assign_role(user=root, role=Role.AUDIT_ADMIN, region_code="32", by=world.admin)
    assert caught.value.code == "accounts.duties_combined"


def test_nobody_changes_their_own_role(world):
    with pytest.raises(DomainError) as caught:
        services.assign_role(
            user=world.admin, role=Role.AUDIT_ADMIN, region_code="32", by=world.admin
        )
    assert caught.value.code == "accounts.own_role"


def test_the_system_administrator_cannot_read_the_audit_log(world, as_user):
    client = as_user(world.admin)
    assert client.get("/admin/core/auditentry/").status_code == 403
    assert client.get("/audit/export/?format=csv").status_code == 403


def test_the_audit_administrator_cannot_manage_users_or_security(world, audit_admin, as_user):
    client = as_user(audit_admin)
    assert client.get("/admin/core/auditentry/").status_code == 200
    for url in ["/admin/accounts/user/", "/admin/axes/accessattempt/", "/people/"]:
        assert client.get(url).status_code in (302, 403), url


def test_the_security_administrator_unlocks_an_account_and_the_system_admin_cannot(
    world, security_admin, as_user
):
    lock = AccessAttempt.objects.create(
        username="gina_grid", ip_address="10.0.0.1", user_agent="x", failures_since_start=5
    )
    url = f"/admin/axes/accessattempt/{lock.pk}/delete/"
    assert as_user(world.admin).post(url, {"post": "yes"}).status_code == 403
    assert as_user(security_admin).post(url, {"post": "yes"}).status_code == 302
    assert not AccessAttempt.objects.filter(pk=lock.pk).exists()
    logged = AuditEntry.objects.get(action="accounts.unlocked")
    assert logged.actor == security_admin and logged.data["username"] == "gina_grid"


def test_the_security_administrator_resets_a_second_factor(world, security_admin, as_user):
    device = TOTPDevice.objects.create(user=world.admin, name="phone", confirmed=True)
    url = f"/admin/otp_totp/totpdevice/{device.pk}/delete/"
    page = as_user(security_admin).get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200 and device.key not in page.content.decode()
    assert as_user(security_admin).post(url, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    logged = AuditEntry.objects.get(action="accounts.second_factor.reset")
    assert logged.actor == security_admin and logged.object_id == str(world.admin.pk)


def test_the_security_administrator_cannot_manage_users(world, security_admin, as_user):
    assert as_user(security_admin).get("/admin/accounts/user/").status_code == 403
