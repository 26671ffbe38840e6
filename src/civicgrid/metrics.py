"""GET /metrics: Prometheus text for the scraper holding METRICS_TOKEN (requests, latency,
task queue depth, overdue cases). The counts of work are read from the database at scrape time,
so every server answers the same; request metrics are per server (scrape each one)."""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from civicgrid.workflow.models import Flow

logger = logging.getLogger("civicgrid.metrics")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class WorkCollector(Collector):
    """What waits: tasks ready for a worker, and cases past their stage deadline."""

    def collect(self) -> Iterator[Metric]:
        try:
            yield from self._counts()
        except DatabaseError:
            # The request metrics are still worth a scrape; /readyz tells what is wrong.
            logger.warning("metrics: the work counts could not be read", exc_info=True)

    def _counts(self) -> Iterator[Metric]:
        from django_tasks_db.models import DBTaskResult

        from civicgrid.core.queue import queued_in_database

        queue = GaugeMetricFamily(
            "civicgrid_task_queue_depth",
            "Tasks ready to run and not yet claimed by a worker (database task backend).",
            labels=["queue"],
        )
        if queued_in_database():
            ready = DBTaskResult.objects.ready().order_by().values("queue_name")
            for per_queue in ready.annotate(n=Count("pk")):
                queue.add_metric([per_queue["queue_name"]], per_queue["n"])
        yield queue

        overdue = GaugeMetricFamily(
            "civicgrid_overdue_cases",
            "Open cases past their stage deadline (marked or not yet swept), by workflow.",
            labels=["workflow"],
        )
        counts: dict[str, int] = {}
        # Two counts that each follow the (overdue, due_at) index.
        for flows in (
            Flow.all_objects.filter(overdue=True),
            Flow.all_objects.filter(overdue=False, due_at__lte=timezone.now()),
        ):
            for row in flows.order_by().values("workflow").annotate(n=Count("pk")):
                counts[row["workflow"]] = counts.get(row["workflow"], 0) + row["n"]
        for workflow, n in sorted(counts.items()):
            overdue.add_metric([workflow], n)
        yield overdue


class _ThisProcess(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every granian worker writes its samples to this folder; add them all up.
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(WorkCollector())
    return registry


def _authorised(request: HttpRequest, token: str) -> bool:
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    if not _authorised(request, token):
        response = HttpResponse("", status=401, content_type=CONTENT_TYPE)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response
