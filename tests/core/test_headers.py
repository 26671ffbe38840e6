"""Security headers on pages and on the API: HSTS, CSP without inline scripts, no sniffing,
referrer policy and no framing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[2] / "src" / "civicgrid"


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("url", ["/accounts/login/", "/regions/320113002/", "/api/v1/me"])
def test_pages_and_the_api_carry_the_security_headers(world, as_user, url):
    client = Client() if url == "/accounts/login/" else as_user(world.town_operator)
    response = client.get(url, secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    csp = directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["default-src"] + csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]


def test_hsts_is_sent_over_https_only(world, as_user):
    assert "Strict-Transport-Security" not in as_user(world.town_operator).get("/api/v1/me")


def test_a_configured_tile_server_is_allowed_as_an_image_source_only():
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json; from civicgrid import settings as s; "
        "print(json.dumps(s.CONTENT_SECURITY_POLICY['DIRECTIVES']))"
    )
    env = {**os.environ, "MAP_TILE_URL": "https://tiles.example.gov.cn/{z}/{x}/{y}.png"}
    env["PYTHONPATH"] = str(SRC.parent)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    found = json.loads(out.stdout)
    assert "https://tiles.example.gov.cn" in found["img-src"]
    assert "https://tiles.example.gov.cn" not in found["script-src"] + found["connect-src"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=|<style", re.I)


def templates() -> list[Path]:
    return sorted(SRC.rglob("templates/**/*.html"))


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_template_has_inline_script_handlers_or_styles(path):
    text = path.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to a static file"
    assert not EVENT_HANDLER.search(text), "inline event handler: bind it in a static file"
    assert not STYLE_ATTRIBUTE.search(text), "inline style: move it to a stylesheet"
