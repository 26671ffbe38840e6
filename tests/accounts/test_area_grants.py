"""Cross-area access (SECURITY.md): a security administrator grants someone another area for a
few hours with a reason; they take it up themselves, work there instead of their own area,
every request they make there is logged, and it ends on time or when revoked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicgrid.accounts import services
from civicgrid.accounts.models import AreaGrant
from civicgrid.accounts.roles import Role
from civicgrid.core.errors import DomainError
from civicgrid.core.models import AuditEntry
from tests import factories as f
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

GRID_A = "/regions/320113002001001/"
GRID_B = "/regions/320113003001001/"


def grant(world, security_admin, **overrides):
    args = {
        "user": world.outsider,
        "region_code": world.grid_a.code,
        "reason": "covering for gina_grid, on leave",
        "hours": 2,
        "by": security_admin,
    }
    args.update(overrides)
    return services.grant_area(**args)


def requests_logged(grant_):
    return AuditEntry.objects.filter(action="accounts.area_grant.request", object_id=str(grant_.pk))


def test_a_grantee_works_in_the_granted_area_only_after_taking_it_up(world, security_admin):
    client = client_for(world.outsider)
    assert client.get(GRID_A).status_code == 404
    given_ = grant(world, security_admin)
    # A grant alone changes nothing: the grantee takes it up, explicitly.
    assert client.get(GRID_A).status_code == 404

    page = client.get("/accounts/area/")
    assert "covering for gina_grid" in page.content.decode()
    taken = client.post("/accounts/area/", {"grant": given_.pk})
    assert taken.status_code == 302

    assert client.get(GRID_A).status_code == 200
    # The grant replaces the own area for the session; it does not add to it.
    assert client.get(GRID_B).status_code == 404
    api = client.get("/api/v1/me").json()
    assert api["region_code"] == world.grid_a.code
    assert api["own_region_code"] == world.grid_b.code
    assert 'data-testid="area-grant-bar"' in client.get(GRID_A).content.decode()


def test_every_request_under_a_grant_is_logged_with_what_it_asked(world, security_admin):
    given_ = grant(world, security_admin)
    client = client_for(world.outsider)
    client.post("/accounts/area/", {"grant": given_.pk})
    client.get(GRID_A)
    client.get(GRID_B)
    logged = list(requests_logged(given_).order_by("id").values_list("data", flat=True))
    assert [(e["method"], e["path"], e["status"]) for e in logged] == [
        ("GET", GRID_A, 200),
        ("GET", GRID_B, 404),
    ]
    taken_up = AuditEntry.objects.get(action="accounts.area_grant.taken_up")
    assert taken_up.actor == world.outsider
    assert taken_up.region_code == world.grid_a.code


def test_leaving_goes_back_to_the_own_area_and_stops_the_logging(world, security_admin):
    given_ = grant(world, security_admin)
    client = client_for(world.outsider)
    client.post("/accounts/area/", {"grant": given_.pk})
    client.post("/accounts/area/", {"leave": "1"})
    assert client.get(GRID_B).status_code == 200
    assert client.get(GRID_A).status_code == 404
    assert AuditEntry.objects.filter(action="accounts.area_grant.left").count() == 1
    assert requests_logged(given_).count() == 1  # the leave request itself


def test_an_ended_grant_stops_at_the_next_request(world, security_admin):
    given_ = grant(world, security_admin)
    client = client_for(world.outsider)
    client.post("/accounts/area/", {"grant": given_.pk})
    assert client.get(GRID_A).status_code == 200
    earlier = timezone.now() - timedelta(hours=3)
    AreaGrant.objects.filter(pk=given_.pk).update(
        granted_at=earlier, expires_at=earlier + timedelta(hours=2)
    )
    assert client.get(GRID_A).status_code == 404
    assert client.get(GRID_B).status_code == 200
    # An ended grant cannot be taken up again.
    again = client.post("/accounts/area/", {"grant": given_.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409
    assert "has ended or was revoked" in again.content.decode()


def test_a_revoked_grant_stops_at_the_next_request(world, security_admin):
    given_ = grant(world, security_admin)
    client = client_for(world.outsider)
    client.post("/accounts/area/", {"grant": given_.pk})
    admin = client_for(security_admin)
    assert admin.post(f"/accounts/grants/{given_.pk}/revoke/").status_code == 302
    assert client.get(GRID_A).status_code == 404
    given_.refresh_from_db()
    assert given_.revoked_by == security_admin
    assert AuditEntry.objects.filter(action="accounts.area_grant.revoked").count() == 1
    with pytest.raises(DomainError) as caught:
        services.revoke_area_grant(grant=given_, by=security_admin)
    assert caught.value.code == "accounts.grant_not_active"


def test_nobody_takes_up_another_persons_grant(world, security_admin):
    given_ = grant(world, security_admin)
    client = client_for(world.grid_worker)
    assert client.post("/accounts/area/", {"grant": given_.pk}).status_code == 404
    assert not AuditEntry.objects.filter(action="accounts.area_grant.taken_up").exists()


def test_only_the_security_administrator_grants(world):
    for user in (world.admin, world.county_operator, world.leader):
        client = client_for(user)
        assert client.get("/accounts/grants/").status_code == 403
        form = {"username": "oscar_outsider", "region_code": "320113002001001", "hours": "2"}
        assert client.post("/accounts/grants/", {**form, "reason": "x" * 10}).status_code == 403
    assert not AreaGrant.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"reason": "  "}, "accounts.grant_reason_missing"),
        ({"hours": 0}, "accounts.grant_duration"),
        ({"hours": 9}, "accounts.grant_duration"),
        ({"region_code": "320199"}, "regions.unknown_code"),
        ({"region_code": "320113003001001001"}, "accounts.grant_own_area"),
        # A grid worker covers a grid, not the whole town around it.
        ({"region_code": "320113002"}, "accounts.grant_wider"),
    ],
)
def test_a_bad_grant_is_refused_and_changes_nothing(world, security_admin, overrides, code):
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as caught:
        grant(world, security_admin, **overrides)
    assert caught.value.code == code
    assert not AreaGrant.objects.exists()
    assert AuditEntry.objects.count() == before


def test_nobody_grants_themselves_another_area(world, security_admin):
    other = f.user("sue_security", Role.SECURITY_ADMIN, "320113003")
    with pytest.raises(DomainError) as caught:
        grant(world, other, user=other)
    assert caught.value.code == "accounts.grant_to_self"
    # The database holds the rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        AreaGrant.objects.create(
            user=other,
            region=world.grid_a,
            reason="myself",
            granted_by=other,
            expires_at=timezone.now() + timedelta(hours=1),
        )


def test_a_security_administrator_grants_only_inside_their_own_area(world):
    county_security = f.user("sid_security", Role.SECURITY_ADMIN, "320113")
    with pytest.raises(DomainError) as caught:
        grant(world, county_security, region_code="3201")
    assert caught.value.code == "accounts.region_outside_scope"
    town_security = f.user("tess_security", Role.SECURITY_ADMIN, "320113002")
    with pytest.raises(DomainError) as caught:
        grant(world, town_security, region_code=world.grid_a.code)  # the outsider is not theirs
    assert caught.value.code == "accounts.user_outside_scope"


def test_the_grants_page_grants_and_says_what_is_wrong_in_chinese(world, security_admin):
    client = client_for(security_admin)
    form = {"username": "oscar_outsider", "region_code": world.grid_a.code, "hours": "3"}
    bad = client.post("/accounts/grants/", {**form, "reason": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert bad.status_code == 400
    assert "原因" in bad.content.decode()
    unknown = client.post(
        "/accounts/grants/", {**form, "username": "nobody", "reason": "cover the night shift"}
    )
    assert unknown.status_code == 404
    assert not AreaGrant.objects.exists()
    done = client.post("/accounts/grants/", {**form, "reason": "cover the night shift"})
    assert done.status_code == 302
    made = AreaGrant.objects.get()
    assert (made.user, made.granted_by, made.region_id) == (
        world.outsider,
        security_admin,
        world.grid_a.code,
    )
    assert timedelta(hours=3) - (made.expires_at - made.granted_at) < timedelta(seconds=1)
    listed = client.get("/accounts/grants/").content.decode()
    assert "cover the night shift" in listed
    entry = AuditEntry.objects.get(action="accounts.area_grant.granted")
    assert entry.data["reason"] == "cover the night shift"
    assert entry.actor == security_admin


@override_settings(AREA_GRANT_MAX_HOURS=8)
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hours=st.integers(min_value=-50, max_value=50))
def test_a_grant_lasts_from_one_hour_to_the_most_allowed(world, security_admin, hours):
    AreaGrant.objects.all().delete()
    if 1 <= hours <= 8:
        made = grant(world, security_admin, hours=hours)
        assert made.expires_at - made.granted_at == timedelta(hours=hours)
    else:
        with pytest.raises(DomainError) as caught:
            grant(world, security_admin, hours=hours)
        assert caught.value.code == "accounts.grant_duration"
        assert not AreaGrant.objects.exists()


def test_a_second_grant_of_the_same_area_is_refused_while_the_first_runs(world, security_admin):
    first = grant(world, security_admin)
    with pytest.raises(DomainError) as caught:
        grant(world, security_admin, hours=8)
    assert caught.value.code == "accounts.grant_exists"
    assert AreaGrant.objects.count() == 1
    services.revoke_area_grant(grant=first, by=security_admin)
    assert grant(world, security_admin, hours=8).pk != first.pk


def test_signing_in_says_there_is_a_grant_to_take_up(world, security_admin):
    from django.test import Client

    from tests.factories import PASSWORD

    grant(world, security_admin)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    landed = client.post(
        "/accounts/login/", {"username": "oscar_outsider", "password": PASSWORD}, follow=True
    )
    assert "You hold temporary access to 第1网格" in landed.content.decode()
    # Nothing is taken up by signing in.
    assert client.get(GRID_A).status_code == 404
