"""Request ids, one JSON log line per request, error bodies and pages that name the request,
slow statements logged, and Prometheus metrics behind a token."""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from pythonjsonlogger.json import JsonFormatter

from civicgrid.core.request_id import RequestIdFilter

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("secret detail of the failure")


def _slow(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s", ["510101199001011234"])
    return HttpResponse("ok")


# A small URLconf for the failures only a test can provoke.
urlpatterns = [
    path("boom", _boom),
    path("api/boom", _boom),
    path("slow", _slow),
]
handler500 = "civicgrid.core.error_pages.server_error"


def _request_lines(caplog):
    return [r for r in caplog.records if r.name == "civicgrid.request"]


def test_every_answer_carries_a_new_request_id(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_trusted_proxys_id_is_kept_and_anyone_elses_replaced(client, settings):
    settings.REQUEST_ID_TRUSTED_PROXIES = ["10.0.0.0/8"]
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-42.abc", REMOTE_ADDR="10.1.2.3")
    assert kept["X-Request-ID"] == "lb-42.abc"
    stranger = client.get("/healthz", HTTP_X_REQUEST_ID="lb-42.abc", REMOTE_ADDR="192.0.2.1")
    assert stranger["X-Request-ID"] != "lb-42.abc"
    # Even a trusted proxy cannot put a line break (a forged log line) into our logs.
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="a\nb", REMOTE_ADDR="10.1.2.3")
    assert "\n" not in forged["X-Request-ID"]


def test_one_log_line_per_request_with_method_path_status_time_user_and_id(world, caplog):
    caplog.set_level(logging.INFO, logger="civicgrid.request")
    client = Client()
    client.force_login(world.grid_worker)
    response = client.get("/api/v1/events/categories?q=510101199001011234")
    [line] = _request_lines(caplog)
    assert (line.method, line.path, line.status) == ("GET", "/api/v1/events/categories", 200)
    assert line.user_id == world.grid_worker.pk
    assert line.request_id == response["X-Request-ID"]
    assert isinstance(line.duration_ms, float)

    # As the configured formatter writes it: one JSON object, the query string left out.
    configured = django_settings.LOGGING["formatters"]["json"]
    options = {k: v for k, v in configured.items() if k != "()"}
    written = json.loads(JsonFormatter(**options).format(line))
    assert written["level"] == "INFO" and written["logger"] == "civicgrid.request"
    assert written["request_id"] == response["X-Request-ID"]
    assert written["path"] == "/api/v1/events/categories"
    assert "510101199001011234" not in json.dumps(written)


def test_other_log_records_of_the_request_carry_its_id():
    from civicgrid.core.request_id import reset_current, set_current

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    token = set_current("abc")
    try:
        RequestIdFilter().filter(record)
    finally:
        reset_current(token)
    assert record.request_id == "abc"


def test_api_errors_name_the_request(client):
    response = client.get("/api/v1/events/categories")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "auth.required"
    assert body["request_id"] == response["X-Request-ID"]


def test_error_pages_show_the_request_id(world):
    client = Client()
    client.force_login(world.grid_worker)
    response = client.get("/events/no-such-page/")
    assert response.status_code == 404
    assert response["X-Request-ID"] in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_server_error_page_and_api_body_name_the_request_and_hide_the_cause(caplog):
    client = Client(raise_request_exception=False)
    page = client.get("/boom")
    assert page.status_code == 500
    assert page["X-Request-ID"] in page.content.decode()
    assert "secret detail" not in page.content.decode()

    api = client.get("/api/boom")
    assert api.status_code == 500
    assert api.json() == {
        "code": "server_error",
        "message": api.json()["message"],
        "request_id": api["X-Request-ID"],
    }
    assert "secret detail" not in api.content.decode()
    # The cause is in the log, under the same id.
    logged = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert logged[-1].request_id == api["X-Request-ID"]


@pytest.mark.urls(__name__)
def test_slow_statements_are_logged_without_their_values(client, settings, caplog):
    caplog.set_level(logging.WARNING, logger="civicgrid.slow_query")
    settings.SLOW_QUERY_MS = 0
    client.get("/slow")
    assert not [r for r in caplog.records if r.name == "civicgrid.slow_query"]

    settings.SLOW_QUERY_MS = 0.000001  # everything is slower than a nanosecond
    response = client.get("/slow")
    [record] = [r for r in caplog.records if r.name == "civicgrid.slow_query"]
    assert record.sql.startswith("SELECT")
    assert "510101199001011234" not in record.getMessage() + record.sql
    assert record.request_id == response["X-Request-ID"]


def test_metrics_need_the_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_metrics_count_requests_queue_depth_and_overdue_cases(world, settings):
    from datetime import timedelta

    from django.utils import timezone

    from civicgrid.events import categories
    from civicgrid.events.services import intake
    from civicgrid.events.tasks import run_deadlines_task
    from civicgrid.workflow.models import Flow
    from tests.events.conftest import IN_A1, LITTER, jpeg

    settings.METRICS_TOKEN = "s3cret"
    client = Client()
    client.get("/healthz")
    categories.load_defaults()
    incident, _ = intake.report_incident(
        category=LITTER, description="路边堆放生活垃圾", by=world.grid_worker,
        source="grid_worker", lng=IN_A1[0], lat=IN_A1[1], photos=[jpeg()],
    )  # fmt: skip
    Flow.all_objects.filter(pk=incident.flow_id).update(due_at=timezone.now() - timedelta(hours=1))
    run_deadlines_task.enqueue()

    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").content.decode()
    assert re.search(
        r'civicgrid_http_requests_total\{method="GET",route="/healthz",status="200"\} \d', text
    )
    assert (
        'civicgrid_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/healthz"}'
        in text
    )
    assert re.search(r'civicgrid_task_queue_depth\{queue="default"\} [1-9]', text)
    assert 'civicgrid_overdue_cases{workflow="incident"} 1.0' in text
