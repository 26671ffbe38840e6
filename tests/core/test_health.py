"""/healthz and /readyz: no login, JSON, no details; not ready when a dependency is not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from civicgrid.core import health

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _migrations_checked_afresh():
    health.forget_migrations()
    yield
    health.forget_migrations()


def test_liveness_answers_without_login_or_database(client):
    # No django_db mark: any database access would raise.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readiness_checks_database_migrations_cache_and_queue(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "cache": "ok", "tasks": "ok"},
    }


@pytest.mark.django_db
def test_it_is_not_ready_while_a_migration_is_unapplied(client):
    latest = MigrationRecorder(connection).migration_qs.filter(app="core").latest("id")
    latest.delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "fail"
    assert response.json()["status"] == "unavailable"


@pytest.mark.django_db
def test_it_is_not_ready_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "civicgrid.core.redis_cache.Cache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["cache"] == "fail"
    assert body["checks"]["database"] == "ok"
    assert "redis" not in response.content.decode().lower()  # no exception text, no host


def test_probes_take_only_get(client):
    assert client.post("/healthz").status_code == 405


def _readyz_in_a_process(database_url: str, tmp_path: Path) -> tuple[int, dict]:
    """The probe of a process whose database is unreachable (its own settings, from scratch)."""
    script = (
        "import json, django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/readyz')\n"
        "print(json.dumps([r.status_code, r.json()]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update(
        DATABASE_URL=database_url,
        CIVICGRID_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="civicgrid.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        LOG_LEVEL="CRITICAL",
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    status, body = json.loads(done.stdout.strip().splitlines()[-1])
    return status, body


@pytest.mark.parametrize(
    "database_url",
    [
        "postgres://postgres@127.0.0.1:9/civicgrid",  # a closed port
        "sqlite:////nonexistent/folder/civicgrid.sqlite3",  # a path that cannot be opened
    ],
    ids=["postgres-closed-port", "sqlite-broken-path"],
)
def test_it_is_not_ready_when_the_database_is_down(database_url, tmp_path):
    status, body = _readyz_in_a_process(database_url, tmp_path)
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "fail"
    assert body["checks"]["migrations"] == "fail"
    text = json.dumps(body)
    assert "127.0.0.1" not in text and "nonexistent" not in text and "Error" not in text
