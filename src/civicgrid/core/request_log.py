"""One JSON log line and one metrics sample per request; the request id on the way in and out."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from civicgrid.core import metrics
from civicgrid.core.request_id import HEADER, request_id_for, reset_current, set_current

logger = logging.getLogger("civicgrid.request")
# Load balancers ask these every few seconds: their lines would drown the rest at INFO.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id, if the request already looked the user up (never a new query:
    a request that did not need the user, a health probe, must not touch the database)."""
    user = getattr(request, "_cached_user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


class RequestLogMiddleware:
    """Outermost middleware: sees every answer, including error pages made further in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        token = set_current(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response[HEADER] = request_id
            metrics.observe(request, response.status_code, seconds)
            level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
            logger.log(
                level,
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                seconds * 1000,
                extra={
                    "method": request.method,
                    # The path only: query strings may carry searched names or ID numbers.
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                    "user_id": _user_id(request),
                    "request_id": request_id,
                },
            )
            return response
        finally:
            reset_current(token)
