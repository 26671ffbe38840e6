"""Per-request scope (DESIGN.md "Scope", layer 1) and session timeouts."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django_scopes import scope

from civicgrid.core.actor import acting_as
from civicgrid.core.http import client_ip

_LAST_SEEN = "civicgrid_last_seen"
# Sent by pages that refresh themselves (the live board's polling): such a request is not the
# person being active, so it neither extends an idle session nor refreshes "last seen".
BACKGROUND_HEADER = "X-Background-Refresh"
# "Last seen" is refreshed at most this often: writing the session on every request would add a
# database write to every page and API call, and a minute is precise enough for a 30-minute rule.
_LAST_SEEN_GRANULARITY = 60


class SessionTimeoutMiddleware:
    """Log out a session idle for longer than SESSION_IDLE_TIMEOUT seconds.

    The absolute limit is the session cookie's age, which Django does not extend
    because SESSION_SAVE_EVERY_REQUEST stays off.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(_LAST_SEEN, now)
            due = now - last_seen >= _LAST_SEEN_GRANULARITY or _LAST_SEEN not in request.session
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
            elif due and request.headers.get(BACKGROUND_HEADER) != "1":
                request.session[_LAST_SEEN] = now
        return self.get_response(request)


class RegionScopeMiddleware:
    """Resolve the user's node once and run the whole request inside that region's scope.

    Anonymous requests run with no region scope: any guarded query then raises, so a page
    that forgets to require login fails loudly instead of leaking.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        region_code = getattr(user, "region_id", None) if user.is_authenticated else None
        request.region_code = region_code  # type: ignore[attr-defined]
        with acting_as(user if user.is_authenticated else None, client_ip(request)):
            if region_code:
                with scope(region=region_code):
                    return self.get_response(request)
            return self.get_response(request)
