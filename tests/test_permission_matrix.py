"""One table of (route, method) → expected status for every persona, and a check that no route
exists without a row (after pretix). The sibling-town grid worker is the outsider everywhere."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from civicgrid.api import api
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "admin",
    "county_operator",
    "town_operator",
    "grid_worker",
    "outsider",
    "leader",
    "officer",
]

A = "320113002001001001"  # a micro-grid of town A (the grid worker's own)
TOWN_A = "320113002"


def row(anonymous, admin, county, town, grid, outsider, leader, officer):
    return dict(
        zip(
            PERSONAS, [anonymous, admin, county, town, grid, outsider, leader, officer], strict=True
        )
    )


# (method, concrete URL, route pattern it exercises) → expected status per persona.
MATRIX = {
    ("GET", "/", ""): row(302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "/accounts/login/", "accounts/login/"): row(200, 302, 302, 302, 302, 302, 302, 302),
    ("POST", "/accounts/logout/", "accounts/logout/"): row(302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "/regions/", "regions/"): row(302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", f"/regions/{TOWN_A}/", "regions/<str:code>/"): row(
        302, 200, 200, 200, 404, 404, 200, 200
    ),
    ("GET", f"/regions/{A}/", "regions/<str:code>/"): row(302, 200, 200, 200, 200, 404, 200, 200),
    ("GET", "/regions/search/?q=网格", "regions/search/"): row(
        302, 200, 200, 200, 200, 200, 200, 200
    ),
    ("GET", "/admin/", "admin/"): row(302, 200, 302, 302, 302, 302, 302, 302),
    ("GET", "/api/v1/me", "api/v1/me"): row(401, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/regions/search?q=1", "api/v1/regions/search"): row(
        401, 200, 200, 200, 200, 200, 200, 200
    ),
    ("GET", f"/api/v1/regions/{TOWN_A}", "api/v1/regions/{code}"): row(
        401, 200, 200, 200, 404, 404, 200, 200
    ),
    ("GET", f"/api/v1/regions/{TOWN_A}/children", "api/v1/regions/{code}/children"): row(
        401, 200, 200, 200, 404, 404, 200, 200
    ),
    ("GET", f"/api/v1/regions/{A}/map", "api/v1/regions/{code}/map"): row(
        401, 200, 200, 200, 200, 404, 200, 200
    ),
    ("GET", "/api/v1/locate?lng=118.5&lat=31.5", "api/v1/locate"): row(
        401, 200, 200, 200, 200, 404, 200, 200
    ),
    ("POST", "/api/v1/locate/batch", "api/v1/locate/batch"): row(
        401, 200, 200, 200, 200, 200, 200, 200
    ),
    ("POST", "/api/v1/regions/boundaries", "api/v1/regions/boundaries"): row(
        401, 200, 200, 403, 403, 404, 403, 403
    ),
    ("GET", "/api/v1/docs", "api/v1/docs"): row(302, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/openapi.json", "api/v1/openapi.json"): row(
        302, 200, 200, 200, 200, 200, 200, 200
    ),
}

# JSON bodies for the rows that need one.
BODIES = {
    "/api/v1/locate/batch": {"points": [[118.5, 31.5]]},
    "/api/v1/regions/boundaries": {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": A},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[118.0, 31.0], [119.0, 31.0], [119.0, 32.0], [118.0, 32.0], [118.0, 31.0]]
                    ],
                },
            }
        ],
    },
}

# Routes that belong to Django itself and are covered by Django's own tests.
NOT_OURS = ("admin/", "i18n/")


def client_as(world, persona: str) -> Client:
    return Client() if persona == "anonymous" else client_for(getattr(world, persona))


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_route_answers_each_persona_as_the_matrix_says(world, persona):
    wrong = {}
    for (method, url, _route), expected in MATRIX.items():
        # A fresh session per row: the sign-out row must not sign out the rows after it.
        body = json.dumps(BODIES[url]) if url in BODIES else ""
        client = client_as(world, persona)
        status = client.generic(method, url, body, content_type="application/json").status_code
        if status != expected[persona]:
            wrong[f"{method} {url}"] = (status, expected[persona])
    assert wrong == {}, f"(got, expected) for {persona}"


def _page_routes(patterns, prefix: str = "") -> set[str]:
    routes = set()
    for pattern in patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if text.startswith(NOT_OURS) or text == "api/v1/":
                continue
            routes |= _page_routes(pattern.url_patterns, text)
        elif isinstance(pattern, URLPattern):
            routes.add(text)
    return routes


def test_no_page_or_api_route_exists_without_a_row():
    covered = {route for (_m, _u, route) in MATRIX}
    pages = _page_routes(get_resolver().url_patterns) | {"admin/"}
    api_routes = {path.lstrip("/") for path in api.get_openapi_schema()["paths"]}
    api_routes |= {"api/v1/docs", "api/v1/openapi.json"}
    assert sorted((pages | api_routes) - covered) == []
