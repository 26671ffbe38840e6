"""Stories of signing in: the policy MLPS level 3 asks for, and the audit trail it leaves."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from civicgrid.core.models import AuditEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_a_user_signs_in_and_lands_on_their_own_area(world):
    client = Client()
    response = sign_in(client, "gina_grid", PASSWORD)
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow["Location"] == "/regions/320113002001001/"
    assert AuditEntry.objects.filter(action="accounts.login", actor=world.grid_worker).exists()


def test_a_new_session_id_is_issued_at_sign_in(world):
    client = Client()
    client.get("/accounts/login/")
    client.cookies["sessionid"] = "attacker-chosen-id"
    sign_in(client, "gina_grid", PASSWORD)
    assert client.cookies["sessionid"].value != "attacker-chosen-id"


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(world):
    wrong = sign_in(Client(), "gina_grid", "Wrong-Password-1!")
    unknown = sign_in(Client(), "nobody_here", "Wrong-Password-1!")
    assert wrong.status_code == unknown.status_code == 200

    def page(response) -> str:
        html = response.content.decode().replace("gina_grid", "").replace("nobody_here", "")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert page(wrong) == page(unknown)


def test_five_failures_lock_the_account_even_for_the_right_password(world, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "gina_grid", "Wrong-Password-1!")
    locked = sign_in(client, "gina_grid", PASSWORD)
    assert locked.status_code == 429
    assert 'data-testid="locked-out"' in locked.content.decode()
    assert "_auth_user_id" not in client.session
    failures = AuditEntry.objects.filter(action="accounts.login_failed", actor_username="gina_grid")
    # The attempt refused by the lock is logged as a failure too.
    assert failures.count() == settings.AXES_FAILURE_LIMIT + 1
    assert AuditEntry.objects.filter(
        action="accounts.locked_out", actor_username="gina_grid"
    ).exists()


def test_the_lock_is_per_user_name_so_a_colleague_at_the_same_address_can_still_sign_in(
    world, settings
):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "gina_grid", "Wrong-Password-1!")
    assert sign_in(Client(), "tom_town", PASSWORD).status_code == 302


def test_four_failures_do_not_lock(world, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "gina_grid", "Wrong-Password-1!")
    assert sign_in(client, "gina_grid", PASSWORD).status_code == 302


def test_signing_out_needs_a_post_and_ends_the_session(world):
    client = Client()
    sign_in(client, "gina_grid", PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/api/v1/me").status_code == 401
    assert AuditEntry.objects.filter(action="accounts.logout", actor=world.grid_worker).exists()


def test_an_idle_session_expires(world, settings, monkeypatch):
    client = Client()
    sign_in(client, "gina_grid", PASSWORD)
    assert client.get("/api/v1/me").status_code == 200
    import time

    real = time.time()
    monkeypatch.setattr(time, "time", lambda: real + settings.SESSION_IDLE_TIMEOUT + 5)
    assert client.get("/api/v1/me").status_code == 401


def test_me_tells_the_user_their_role_area_and_rights(world, as_user):
    me = as_user(world.officer).get("/api/v1/me").json()
    assert me["role"] == "department_officer"
    assert me["region_code"] == "320113" and me["region_name"] == "栖霞区"
    assert me["organisation"] == "栖霞区城市管理局"
    assert "regions.edit_boundaries" not in me["capabilities"]


def test_activity_keeps_a_session_alive_without_writing_it_on_every_request(
    world, settings, monkeypatch
):
    import time

    client = Client()
    sign_in(client, "gina_grid", PASSWORD)
    start = time.time()
    client.get("/api/v1/me")
    first = client.session["civicgrid_last_seen"]
    monkeypatch.setattr(time, "time", lambda: start + 30)
    client.get("/api/v1/me")
    assert client.session["civicgrid_last_seen"] == first  # not rewritten within a minute
    # Active every 20 minutes for an hour: never idle for 30, so still signed in.
    for minutes in (20, 40, 60):
        monkeypatch.setattr(time, "time", lambda m=minutes: start + m * 60)
        assert client.get("/api/v1/me").status_code == 200


def test_a_locked_unknown_user_gets_the_same_answer_as_a_locked_real_one(world, settings):
    def locked_page(username: str) -> tuple[int, str]:
        client = Client()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, username, "Wrong-Password-1!")
        response = sign_in(client, username, "Wrong-Password-1!")
        html = response.content.decode().replace(username, "")
        return response.status_code, re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert locked_page("gina_grid") == locked_page("nobody_here")
    assert locked_page("gina_grid")[0] == 429
