"""Small HTTP helpers shared by pages and the API."""

from __future__ import annotations

from django.http import HttpRequest


def region_code_of(request: HttpRequest) -> str:
    """The signed-in user's region code, resolved once per request by RegionScopeMiddleware."""
    return str(getattr(request, "region_code", "") or "")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind a proxy, the proxy must set REMOTE_ADDR (see docs)."""
    return request.META.get("REMOTE_ADDR") or None
