"""The admin site: open to administrators, by capability, and only inside their own area."""

from __future__ import annotations

import pytest

from civicgrid.accounts import services
from civicgrid.accounts.roles import Role
from civicgrid.core.models import AuditEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def town_admin(world):
    return services.create_user(
        username="ada_town_admin", password=PASSWORD, role=Role.ADMIN, region_code="320113002"
    )


def test_an_administrator_reads_users_regions_and_organisations(world, as_user):
    client = as_user(world.admin)
    for url in [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/regions/region/",
        "/admin/accounts/organisation/",
    ]:
        assert client.get(url).status_code == 200, url


def test_the_audit_log_has_no_add_change_or_delete_in_the_admin(world, audit_admin, as_user):
    client = as_user(audit_admin)
    entry = AuditEntry.objects.first()
    assert client.get("/admin/core/auditentry/add/").status_code == 403
    page = client.get(f"/admin/core/auditentry/{entry.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert (
        client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_town_administrator_sees_only_the_users_of_their_town(world, town_admin, as_user):
    page = as_user(town_admin).get("/admin/accounts/user/").content.decode()
    assert "gina_grid" in page and "tom_town" in page
    assert "oscar_outsider" not in page and "carol_county" not in page


def test_a_town_administrator_cannot_open_a_user_of_the_sibling_town(world, town_admin, as_user):
    response = as_user(town_admin).get(f"/admin/accounts/user/{world.outsider.pk}/change/")
    assert response.status_code == 302  # the admin's "does not exist" answer, back to its index


def test_operators_are_not_let_into_the_admin(world, as_user):
    response = as_user(world.county_operator).get("/admin/accounts/user/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_role_change_in_the_admin_is_audited(world, as_user):
    client = as_user(world.admin)
    url = f"/admin/accounts/user/{world.grid_worker.pk}/change/"
    form = {
        "username": "gina_grid",
        "role": Role.COMMUNITY_STAFF,
        "region": "320113002001",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "first_name": "",
        "last_name": "",
        "email": "",
        "phone": "",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(
        action="accounts.user.changed", object_id=str(world.grid_worker.pk)
    )
    assert entry.actor == world.admin
    assert entry.data["changes"]["role"]["to"] == Role.COMMUNITY_STAFF
