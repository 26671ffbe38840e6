"""The request id: taken from a trusted proxy's X-Request-ID or made here, kept for the logs."""

from __future__ import annotations

import ipaddress
import logging
import re
import uuid
from contextvars import ContextVar, Token
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

HEADER = "X-Request-ID"
# What we accept from a proxy: short, and nothing that could split a log line or a header.
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_current: ContextVar[str] = ContextVar("civicgrid_request_id", default="")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the direct peer is one of REQUEST_ID_TRUSTED_PROXIES (addresses or networks)."""
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    trusted = _networks(tuple(settings.REQUEST_ID_TRUSTED_PROXIES))
    return any(peer in network for network in trusted)


def request_id_for(request: HttpRequest) -> str:
    """The proxy's id when the proxy is trusted and the id is well-formed, else a new one."""
    given = request.headers.get(HEADER, "")
    if given and _ACCEPTABLE.fullmatch(given) and from_trusted_proxy(request):
        return given
    return uuid.uuid4().hex


def current_request_id() -> str:
    """The id of the request this thread is answering ("" outside a request)."""
    return _current.get()


def set_current(request_id: str) -> Token[str]:
    return _current.set(request_id)


def reset_current(token: Token[str]) -> None:
    _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the request id on every log record (as `request_id`): the id of the request the record
    names (Django's own records of 4xx/5xx answers, written after the middleware finished), else
    of the request this thread is answering."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            named = getattr(getattr(record, "request", None), "request_id", "")
            record.request_id = named or current_request_id()
        return True
