"""Small HTTP helpers shared by pages and the API."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind a proxy, the proxy must set REMOTE_ADDR (see docs)."""
    return request.META.get("REMOTE_ADDR") or None
