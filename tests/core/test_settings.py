"""Configuration: strict environment readers, safe defaults, SQLite in WAL mode."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from civicgrid import env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("raw", ["maybe", "2", "tru"])
def test_a_boolean_that_is_not_one_stops_the_start(monkeypatch, raw):
    monkeypatch.setenv("DEBUG", raw)
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env.env_bool("DEBUG")


def test_a_number_below_its_minimum_stops_the_start(monkeypatch):
    monkeypatch.setenv("LOGIN_FAILURE_LIMIT", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env.env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)


def test_a_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    assert env.env_str("SECRET_KEY") == "from-a-file"


def settings_in_fresh_process(tmp_path, **environ) -> dict:
    code = (
        "import json, django.conf as c; from civicgrid import settings as s; "
        "print(json.dumps({'DEBUG': s.DEBUG, 'DB': s.DATABASES['default']['ENGINE'], "
        "'WAL': 'journal_mode=WAL' in s.DATABASES['default'].get('OPTIONS', {}).get('init_command', ''), "
        "'GENERATED': s.SECRET_KEY_GENERATED, 'KEY_LEN': len(s.SECRET_KEY), "
        "'OPTIONS': s.DATABASES['default'].get('OPTIONS', {})}))"
    )
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "DATABASE_URL")
    }
    clean.update(CIVICGRID_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"), **environ)
    out = subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_the_defaults_are_safe_and_embedded(tmp_path):
    found = settings_in_fresh_process(tmp_path)
    assert found["DEBUG"] is False
    assert found["DB"] == "django.db.backends.sqlite3" and found["WAL"]
    assert found["GENERATED"] and found["KEY_LEN"] >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only


def test_the_generated_secret_is_kept_across_restarts(tmp_path):
    settings_in_fresh_process(tmp_path)
    first = (tmp_path / "secret_key").read_text()
    settings_in_fresh_process(tmp_path)
    assert (tmp_path / "secret_key").read_text() == first


def test_the_embedded_database_really_runs_in_wal_mode(tmp_path):
    # The same statements Django runs on each new SQLite connection.
    init_command = settings_in_fresh_process(tmp_path)["OPTIONS"]["init_command"]
    connection = sqlite3.connect(tmp_path / "wal.sqlite3")
    connection.executescript(init_command)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


def test_the_civicgrid_command_wraps_django_management_commands(tmp_path):
    bin_dir = Path(sys.executable).parent
    out = subprocess.run(
        [str(bin_dir / "civicgrid"), "help", "import-boundaries"],
        capture_output=True,
        text=True,
        env={**os.environ, "CIVICGRID_DATA_DIR": str(tmp_path)},
    )
    assert out.returncode == 0, out.stderr
    assert "geojson" in out.stdout.lower()


def _database_and_sessions(tmp_path, **environ) -> dict:
    code = (
        "import json; from civicgrid import settings as s; d = s.DATABASES['default']; "
        "print(json.dumps({'AGE': d['CONN_MAX_AGE'], 'CHECKS': d['CONN_HEALTH_CHECKS'], "
        "'SESSIONS': s.SESSION_ENGINE, 'CACHE': s.CACHES['default']['BACKEND']}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    clean.update(CIVICGRID_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"), **environ)
    out = subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_postgresql_connections_are_kept_and_checked_as_configured(tmp_path):
    url = "postgres://civicgrid@db.example:5432/civicgrid"
    found = _database_and_sessions(tmp_path, DATABASE_URL=url)
    assert (found["AGE"], found["CHECKS"]) == (60, True)
    found = _database_and_sessions(
        tmp_path, DATABASE_URL=url, DATABASE_CONN_MAX_AGE="0", DATABASE_HEALTH_CHECKS="0"
    )
    assert (found["AGE"], found["CHECKS"]) == (0, False)


def test_sessions_are_read_from_redis_only_when_redis_is_configured(tmp_path):
    embedded = _database_and_sessions(tmp_path)
    assert embedded["SESSIONS"] == "django.contrib.sessions.backends.db"
    assert embedded["AGE"] == 0  # SQLite: one connection per request
    shared = _database_and_sessions(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
    assert shared["SESSIONS"] == "django.contrib.sessions.backends.cached_db"
    assert shared["CACHE"] == "civicgrid.core.redis_cache.Cache"
