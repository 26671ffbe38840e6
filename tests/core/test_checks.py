"""Misconfiguration refuses to start: each system check names its variable (civicgrid.E00x), and
the production configuration passes `manage.py check --deploy` without a warning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "production-secret-" + "x7Kq2-pL9v" * 6,
    "ALLOWED_HOSTS": "civicgrid.example.gov.cn",
    "SECURE_SSL_REDIRECT": "1",
}


def check(tmp_path, *args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "MAP_"))
        # The browser tests' switch (same process under xdist) is no part of a deployment.
        and k not in ("OFFLINE", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    clean.update(CIVICGRID_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"), **environ)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--fail-level", "WARNING", *args],
        env=clean,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )


def test_the_production_configuration_passes_the_deploy_check(tmp_path):
    result = check(tmp_path, "--deploy", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("change", "check_id", "variable"),
    [
        ({"SECRET_KEY": ""}, "civicgrid.E001", "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "civicgrid.E002", "ALLOWED_HOSTS"),
        (
            {"OFFLINE": "1", "MAP_TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png"},
            "civicgrid.E003",
            "MAP_TILE_URL",
        ),
        ({"DATABASE_URL": "mongodb://db.example/civicgrid"}, "civicgrid.E004", "DATABASE_URL"),
        ({"DATABASE_URL": "not a url at all"}, "civicgrid.E004", "DATABASE_URL"),
    ],
    ids=["secret-key", "allowed-hosts", "offline-tiles", "database-engine", "database-url"],
)
def test_a_misconfiguration_stops_the_start_and_names_its_variable(
    tmp_path, change, check_id, variable
):
    result = check(tmp_path, **{**PRODUCTION, **change})
    assert result.returncode != 0
    assert check_id in result.stderr and variable in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "/tiles/{z}/{x}/{y}.png",
        "http://10.20.0.5/tiles/{z}/{x}/{y}.png",
        "http://tiles.local/{z}/{x}/{y}.png",
        "http://tileserver:8080/{z}/{x}/{y}.png",
    ],
)
def test_offline_mode_accepts_a_tile_server_inside_the_network(settings, url):
    from civicgrid.core.checks import offline_tiles

    settings.OFFLINE, settings.MAP_TILE_URL = True, url
    assert offline_tiles() == []


def test_a_host_listed_as_internal_is_accepted_offline(settings):
    from civicgrid.core.checks import offline_tiles

    settings.OFFLINE, settings.MAP_TILE_URL = True, "https://tiles.js.gov.cn/{z}/{x}/{y}.png"
    assert [e.id for e in offline_tiles()] == ["civicgrid.E003"]
    settings.OFFLINE_INTERNAL_HOSTS = ["tiles.js.gov.cn"]
    assert offline_tiles() == []


@pytest.mark.parametrize("environ", [{"DEBUG": "1"}, {"DEBUG": "0"}], ids=["debug", "embedded"])
def test_the_embedded_world_runs_on_its_generated_secret_key(tmp_path, environ):
    # Only local host names (the default ALLOWED_HOSTS): one machine, not a production site.
    result = check(tmp_path, **environ)
    assert result.returncode == 0, result.stderr
