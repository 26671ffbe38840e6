"""Per-request scope (DESIGN.md "Scope", layer 1), session timeouts, and the gates a signed-in
user passes first: the second factor (administrator roles) and a password that has not expired."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_scopes import scope

from civicgrid.accounts.roles import SECOND_FACTOR_ROLES
from civicgrid.accounts.selectors import active_area_grant
from civicgrid.accounts.services import log_area_request
from civicgrid.core.actor import acting_as
from civicgrid.core.http import client_ip

_LAST_SEEN = "civicgrid_last_seen"
_SIGNED_IN = "civicgrid_signed_in_at"
# Sent by pages that refresh themselves (the live board's polling): such a request is not the
# person being active, so it neither extends an idle session nor refreshes "last seen".
BACKGROUND_HEADER = "X-Background-Refresh"
# "Last seen" is refreshed at most this often: writing the session on every request would add a
# database write to every page and API call, and a minute is precise enough for a 30-minute rule.
_LAST_SEEN_GRANULARITY = 60


def start_session_clock(request: HttpRequest) -> None:
    """Sign-in starts the absolute limit's clock (called by the user_logged_in receiver)."""
    request.session[_SIGNED_IN] = int(time.time())


class SessionTimeoutMiddleware:
    """Log out a session idle for longer than SESSION_IDLE_TIMEOUT seconds, or signed in for
    longer than SESSION_COOKIE_AGE seconds (the absolute limit).

    The absolute limit is kept here and not left to the cookie: every write of "last seen"
    saves the session, and each save moves the session's own expiry on.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(_LAST_SEEN, now)
            signed_in = request.session.setdefault(_SIGNED_IN, now)
            due = now - last_seen >= _LAST_SEEN_GRANULARITY or _LAST_SEEN not in request.session
            if (
                now - last_seen > settings.SESSION_IDLE_TIMEOUT
                or now - signed_in > settings.SESSION_COOKIE_AGE
            ):
                logout(request)
            elif due and request.headers.get(BACKGROUND_HEADER) != "1":
                request.session[_LAST_SEEN] = now
        return self.get_response(request)


AREA_GRANT_SESSION_KEY = "civicgrid_area_grant"


def take_up_in_session(request: HttpRequest, grant_id: int | None) -> None:
    """Work under this grant from the next request on (None: back to one's own area)."""
    if grant_id is None:
        request.session.pop(AREA_GRANT_SESSION_KEY, None)
    else:
        request.session[AREA_GRANT_SESSION_KEY] = grant_id


class RegionScopeMiddleware:
    """Resolve the user's node once and run the whole request inside that region's scope.

    A user who has taken up a temporary grant (AreaGrant) works in the granted area instead
    of their own, and every request they make there is audit-logged. A grant that has ended
    or was revoked is dropped from the session at the next request.

    Anonymous requests run with no region scope: any guarded query then raises, so a page
    that forgets to require login fails loudly instead of leaking.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        grant = self._grant(request) if user.is_authenticated else None
        request.area_grant = grant  # type: ignore[attr-defined]
        if grant is not None:
            user.acting_region = grant.region_id
        region_code = user.region_code if user.is_authenticated else None
        request.region_code = region_code  # type: ignore[attr-defined]
        with acting_as(user if user.is_authenticated else None, client_ip(request)):
            if region_code:
                with scope(region=region_code):
                    response = self.get_response(request)
            else:
                response = self.get_response(request)
            if grant is not None:
                log_area_request(
                    grant,
                    method=request.method or "",
                    path=request.path,
                    status=response.status_code,
                )
        return response

    @staticmethod
    def _grant(request: HttpRequest) -> Any:
        grant_id = request.session.get(AREA_GRANT_SESSION_KEY)
        if grant_id is None:
            return None
        grant = active_area_grant(request.user, grant_id)  # type: ignore[arg-type]
        if grant is None:
            # Ended or revoked: back to the user's own area, from this request on.
            take_up_in_session(request, None)
        return grant


@cache
def _open_paths(*names: str) -> tuple[str, ...]:
    """Where a user held at a gate may still go: the named pages, sign-out, the language."""
    pages = [*names, "logout", "set_language"]
    return (*(reverse(name) for name in pages), f"/{settings.STATIC_URL.strip('/')}/")


def _held(request: HttpRequest, code: str, message: str, page: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": code, "message": message}, status=403)
    return redirect(f"{reverse(page)}?{urlencode({'next': request.get_full_path()})}")


class SecondFactorMiddleware:
    """Administrator roles pass a second factor (django-otp) before any page, API or admin."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        if (
            user.is_authenticated
            and user.role in SECOND_FACTOR_ROLES
            and not user.is_verified()
            # Not even the password page: a stolen password alone changes nothing.
            and not request.path.startswith(_open_paths("second_factor", "second_factor_setup"))
        ):
            page = "second_factor" if user_has_device(user) else "second_factor_setup"
            return _held(
                request,
                "auth.second_factor_required",
                _("Your role needs a second factor: confirm a code from your authenticator."),
                page,
            )
        return self.get_response(request)


def password_expired(user: Any) -> bool:
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days or not user.password_changed_at:
        return False
    return bool(user.password_changed_at < timezone.now() - timedelta(days=days))


class PasswordExpiryMiddleware:
    """A password older than PASSWORD_MAX_AGE_DAYS must be changed before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        if (
            user.is_authenticated
            and password_expired(user)
            and not request.path.startswith(_open_paths("password_change"))
        ):
            return _held(
                request,
                "auth.password_expired",
                _("Your password has expired: choose a new one."),
                "password_change",
            )
        return self.get_response(request)
