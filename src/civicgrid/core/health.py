"""/healthz (the process answers) and /readyz (it can do its work), for load balancers.

Answered by a middleware placed before sessions, authentication and host checks, so that a
probe needs no login, no cookie and no database to reach the check itself. The answers say
which check failed and nothing more: no exception text, host name or version (those go to the
log, with the request id).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("civicgrid.health")

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
# Once this process has seen every migration applied it stays so (its code does not change).
_migrations_seen_applied = False


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"civicgrid:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def check_tasks() -> None:
    """The queue the workers take tasks from can be read (with the database backend)."""
    from django_tasks_db.models import DBTaskResult

    from civicgrid.core.queue import queued_in_database

    if queued_in_database():
        DBTaskResult.objects.order_by().values_list("pk")[:1].exists()


def check_migrations() -> None:
    global _migrations_seen_applied
    if _migrations_seen_applied:
        return
    executor = MigrationExecutor(connections["default"])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("migrations are not applied")
    _migrations_seen_applied = True


def forget_migrations() -> None:
    """Check the migrations afresh on the next probe (tests)."""
    global _migrations_seen_applied
    _migrations_seen_applied = False


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "migrations": check_migrations,
    "cache": check_cache,
    "tasks": check_tasks,
}


def readiness() -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            logger.warning("readiness check %s failed", name, exc_info=True)
            results[name] = "fail"
        else:
            results[name] = "ok"
    return all(value == "ok" for value in results.values()), results


def _answer(body: dict[str, object], status: int) -> HttpResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    """Answers the two probe paths before anything that needs a session or the database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path not in (LIVENESS_PATH, READINESS_PATH):
            return self.get_response(request)
        request.metrics_route = path  # type: ignore[attr-defined]
        if request.method not in ("GET", "HEAD"):
            response = _answer({"status": "method_not_allowed"}, 405)
            response["Allow"] = "GET, HEAD"
            return response
        if path == LIVENESS_PATH:
            return _answer({"status": "ok"}, 200)
        ready, checks = readiness()
        body: dict[str, object] = {"status": "ok" if ready else "unavailable", "checks": checks}
        return _answer(body, 200 if ready else 503)
