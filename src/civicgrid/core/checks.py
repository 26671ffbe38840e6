"""System checks that refuse a misconfigured start, each with a stable id naming its variable."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError

_LOCAL_SUFFIXES = (".local", ".lan", ".internal", ".intranet", ".localhost", ".home.arpa")
_ENGINES = ("django.db.backends.sqlite3", "civicgrid.core.postgres")


_THIS_MACHINE = {"localhost", "127.0.0.1", "[::1]", "::1"}


def in_production() -> bool:
    """DEBUG off and answering a host name beyond this machine. The embedded world (the default
    ALLOWED_HOSTS, all local) may run on the secret generated into the data directory."""
    return not settings.DEBUG and bool(set(settings.ALLOWED_HOSTS) - _THIS_MACHINE)


@register(Tags.security)
def secret_key(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not in_production() or not getattr(settings, "SECRET_KEY_GENERATED", False):
        return []
    return [
        Error(
            "SECRET_KEY is not set: a site in production (DEBUG off, ALLOWED_HOSTS beyond this "
            "machine) needs its own secret key, shared by all its servers.",
            hint="Set SECRET_KEY (or SECRET_KEY_FILE) to a long random string kept out of the "
            "repository.",
            id="civicgrid.E001",
        )
    ]


@register(Tags.security)
def allowed_hosts(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.DEBUG or settings.ALLOWED_HOSTS:
        return []
    return [
        Error(
            "ALLOWED_HOSTS is empty: with DEBUG off no request would be answered.",
            hint="Set ALLOWED_HOSTS to the site's host names, separated by commas.",
            id="civicgrid.E002",
        )
    ]


def is_internal_host(host: str) -> bool:
    """Whether `host` is on the local network: a private or loopback address, a single-label or
    .local/.lan/.internal name, or one listed in OFFLINE_INTERNAL_HOSTS."""
    host = host.strip("[]").lower()
    if host in (h.lower() for h in settings.OFFLINE_INTERNAL_HOSTS):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return "." not in host or host.endswith(_LOCAL_SUFFIXES)


@register()
def offline_tiles(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    url = settings.MAP_TILE_URL
    if not settings.OFFLINE or not url:
        return []
    host = urlsplit(url.replace("{s}", "a")).hostname
    if host is None or is_internal_host(host):
        return []
    return [
        Error(
            f"MAP_TILE_URL names a tile server on the internet ({host}) while OFFLINE is on.",
            hint="Serve tiles inside the network (a relative URL or a local host), list the "
            "host in OFFLINE_INTERNAL_HOSTS, or leave MAP_TILE_URL empty.",
            id="civicgrid.E003",
        )
    ]


@register()
def database_url(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    problem = getattr(settings, "DATABASE_URL_ERROR", "")
    database = settings.DATABASES["default"]
    if not problem and database.get("ENGINE") not in _ENGINES:
        problem = f"engine {database.get('ENGINE')!r} is neither SQLite nor PostgreSQL"
    if not problem and not database.get("NAME"):
        problem = "it names no database"
    if not problem:
        return []
    return [
        Error(
            f"DATABASE_URL cannot be used: {problem}.",
            hint="Use postgres://user:password@host:5432/name or sqlite:////absolute/path.",
            id="civicgrid.E004",
        )
    ]


@register(Tags.security, Tags.database)
def demo_accounts(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[Error]:
    """Demo accounts (known passwords) must not exist in production (run with --database)."""
    if not databases or settings.DEMO_ACCOUNTS_ALLOWED:
        return []
    from django.contrib.auth import get_user_model

    try:
        count = get_user_model().objects.filter(is_demo=True, is_active=True).count()
    except DatabaseError:
        return []  # not migrated yet: no accounts at all
    if not count:
        return []
    return [
        Error(
            f"{count} demo accounts are active while DEMO_ACCOUNTS_ALLOWED is off (DEBUG off).",
            hint="Deactivate them in the admin, or use a database without the demo world.",
            id="civicgrid.E005",
        )
    ]
