"""`civicgrid serve`: the production server, configured by flags or the environment."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest
from django.core.management import call_command

from civicgrid.core.management.commands import serve

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def started(monkeypatch):
    """What serve would hand granian, without starting it."""
    seen: dict = {}
    real = serve.server

    class Server:
        def serve(self):
            seen["served"] = True

    def server(**options):
        seen.update(options, granian=real(**options))
        return Server()

    monkeypatch.setattr(serve, "server", server)
    # Switching prometheus_client to its files is for the server's workers, not this process.
    monkeypatch.setattr(serve, "metrics_in_files", lambda: None)
    return seen


def test_it_serves_one_threaded_worker_per_core_by_default(started, settings):
    settings.DEBUG = False
    call_command("serve", "--no-collectstatic")
    assert (started["address"], started["port"]) == ("127.0.0.1", 8000)
    assert started["workers"] == serve.default_workers() == (os.cpu_count() or 1)
    assert started["threads"] == serve.THREADS
    assert started["served"]
    granian = started["granian"]
    assert (granian.interface, granian.target) == ("wsgi", "civicgrid.wsgi:application")
    assert (granian.workers, granian.blocking_threads) == (started["workers"], serve.THREADS)
    assert granian.log_access is False


def test_flags_and_the_environment_set_bind_workers_threads_and_timeout(started, monkeypatch):
    monkeypatch.setenv("SERVE_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("SERVE_WORKERS", "3")
    monkeypatch.setenv("SERVE_TIMEOUT", "45")
    call_command("serve", "--no-collectstatic", "--threads", "1")
    assert (started["address"], started["port"]) == ("0.0.0.0", 9000)
    assert (started["workers"], started["threads"], started["timeout"]) == (3, 1, 45)

    call_command("serve", "--no-collectstatic", "--bind", "unix:/run/civicgrid.sock")
    assert str(started["uds"]) == "/run/civicgrid.sock"
    call_command("serve", "--no-collectstatic", "--bind", "[::1]:8001")
    assert (started["address"], started["port"]) == ("::1", 8001)


def test_bad_settings_stop_it(started, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="bind"):
        call_command("serve", "--no-collectstatic", "--bind", "8000")
    monkeypatch.setenv("SERVE_WORKERS", "0")
    with pytest.raises(ImproperlyConfigured, match="SERVE_WORKERS"):
        call_command("serve", "--no-collectstatic")


def test_it_warns_when_debug_is_on(started, settings, capsys):
    settings.DEBUG = True
    call_command("serve", "--no-collectstatic")
    assert "DEBUG" in capsys.readouterr().err
    assert started["served"]  # a warning, not a refusal


# --- the real thing, in a child process ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, **headers: str) -> tuple[int, Message, bytes]:
    # Headers as a Message: granian sends lower-case names, and a Message matches any case.
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", **headers})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_it_collects_and_serves_static_files_and_the_api(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL", "REDIS_URL")}
    env.update(
        CIVICGRID_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"), METRICS_TOKEN="s3cret"
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "civicgrid.cli", "serve"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1"),
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(400):  # collectstatic, then the workers boot (slow on a busy machine)
            try:
                status, headers, body = _get(f"http://127.0.0.1:{port}/static/civicgrid/site.css")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                time.sleep(0.2)
        else:
            pytest.fail("serve did not answer")
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert headers.get("Content-Encoding") == "gzip"  # compressed once, at collectstatic
        assert (tmp_path / "static" / "civicgrid" / "site.css").exists()

        status, _headers, body = _get(f"http://127.0.0.1:{port}/api/v1/events/categories")
        assert status == 401
        assert b'"auth.required"' in body
        assert json.loads(body)["request_id"] == _headers["X-Request-ID"]

        # The probes: alive, but not ready, since this new database was never migrated.
        status, _headers, body = _get(f"http://127.0.0.1:{port}/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, _headers, body = _get(f"http://127.0.0.1:{port}/readyz")
        assert status == 503
        assert json.loads(body)["checks"]["migrations"] == "fail"

        # Metrics: the worker's samples reach /metrics through prometheus_client's files.
        assert _get(f"http://127.0.0.1:{port}/metrics")[0] == 401
        status, _headers, body = _get(
            f"http://127.0.0.1:{port}/metrics", Authorization="Bearer s3cret"
        )
        assert status == 200
        assert (
            b'civicgrid_http_requests_total{method="GET",route="/readyz",status="503"} 1.0' in body
        )
        assert list((tmp_path / "prometheus").glob("*.db"))
    finally:
        server.terminate()
        server.wait(20)
