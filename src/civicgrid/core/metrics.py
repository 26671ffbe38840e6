"""Prometheus metrics of the web processes (requests, latency); the /metrics view adds the rest.

prometheus_client directly rather than django-prometheus: we need a handful of metrics with
bounded labels, one collector that reads the queue and overdue counts at scrape time, and the
multi-process mode for granian's workers; django-prometheus would also swap our database and
cache backends for its own instrumented ones.
"""

from __future__ import annotations

from django.http import HttpRequest
from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "civicgrid_http_requests_total",
    "HTTP requests answered, by method, route pattern and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "civicgrid_http_request_duration_seconds",
    "Time from the first middleware to the response, by method and route pattern.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SLOW_QUERIES = Counter(
    "civicgrid_db_slow_queries_total",
    "Database statements slower than SLOW_QUERY_MS.",
    ["alias"],
)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered (bounded), never the raw path (ids, scanners' junk)."""
    fixed = getattr(request, "metrics_route", "")
    if fixed:
        return str(fixed)
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return "/" + str(match.route)


def observe(request: HttpRequest, status: int, seconds: float) -> None:
    method = request.method if request.method in _METHODS else "OTHER"
    route = route_of(request)
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)
