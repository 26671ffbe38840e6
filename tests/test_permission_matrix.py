"""One table of (route, method) → expected status for every persona, and a check that no route
exists without a row (after pretix). The sibling-town grid worker is the outsider everywhere."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import Workbook

from civicgrid.api import api
from civicgrid.core.identity import make_id_number
from civicgrid.events import categories
from civicgrid.events.services import escalation, intake
from civicgrid.notifications.services import notify
from tests.conftest import client_for
from tests.events.conftest import jpeg
from tests.matrix_assistance import ASSISTANCE_BODIES, assistance_ids, assistance_matrix
from tests.matrix_command import COMMAND_BODIES, command_ids, command_matrix
from tests.matrix_disputes import DISPUTES_BODIES, disputes_ids, disputes_matrix
from tests.matrix_events import EVENTS_BODIES, events_ids, events_matrix
from tests.matrix_hall import hall_matrix
from tests.matrix_hardening import BODIES as HARDENING_BODIES
from tests.matrix_hardening import hardening_ids, hardening_matrix
from tests.matrix_numbers import numbers_matrix
from tests.matrix_operations import operations_matrix

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
    "staff",
]

A = "320113002001001001"  # a micro-grid of town A (the grid worker's own)
TOWN_A = "320113002"
O311 = "jurisdiction_id=320113"


def row(anonymous, admin, county, town, grid, outsider, leader, officer, staff):
    statuses = [anonymous, admin, county, town, grid, outsider, leader, officer, staff]
    return dict(zip(PERSONAS, statuses, strict=True))


# (method, concrete URL, route pattern it exercises) → expected status per persona.
MATRIX = {
    ("GET", "/", ""): row(302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "/accounts/login/", "accounts/login/"): row(
        200, 302, 302, 302, 302, 302, 302, 302, 302
    ),
    ("POST", "/accounts/logout/", "accounts/logout/"): row(
        302, 302, 302, 302, 302, 302, 302, 302, 302
    ),
    ("GET", "/regions/", "regions/"): row(302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", f"/regions/{TOWN_A}/", "regions/<str:code>/"): row(
        302, 200, 200, 200, 404, 404, 200, 200, 404
    ),
    ("GET", f"/regions/{A}/", "regions/<str:code>/"): row(
        302, 200, 200, 200, 200, 404, 200, 200, 200
    ),
    ("GET", "/regions/search/?q=网格", "regions/search/"): row(
        302, 200, 200, 200, 200, 200, 200, 200, 200
    ),
    ("GET", "/admin/", "admin/"): row(302, 200, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "/api/v1/me", "api/v1/me"): row(401, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/regions/search?q=1", "api/v1/regions/search"): row(
        401, 200, 200, 200, 200, 200, 200, 200, 200
    ),
    ("GET", f"/api/v1/regions/{TOWN_A}", "api/v1/regions/{code}"): row(
        401, 200, 200, 200, 404, 404, 200, 200, 404
    ),
    ("GET", f"/api/v1/regions/{TOWN_A}/children", "api/v1/regions/{code}/children"): row(
        401, 200, 200, 200, 404, 404, 200, 200, 404
    ),
    ("GET", f"/api/v1/regions/{A}/map", "api/v1/regions/{code}/map"): row(
        401, 200, 200, 200, 200, 404, 200, 200, 200
    ),
    ("GET", "/api/v1/locate?lng=118.5&lat=31.5", "api/v1/locate"): row(
        401, 200, 200, 200, 200, 404, 200, 200, 200
    ),
    ("POST", "/api/v1/locate/batch", "api/v1/locate/batch"): row(
        401, 200, 200, 200, 200, 200, 200, 200, 200
    ),
    ("POST", "/api/v1/regions/boundaries", "api/v1/regions/boundaries"): row(
        401, 200, 200, 403, 403, 404, 403, 403, 403
    ),
    # The household register (pages).
    ("GET", "/people/", "people/"): row(302, 403, 200, 200, 200, 200, 403, 403, 200),
    ("GET", f"/people/book/{A}/", "people/book/<str:code>/"): row(
        302, 403, 200, 200, 200, 404, 403, 403, 200
    ),
    ("GET", "/people/residents/{resident}/", "people/residents/<int:pk>/"): row(
        302, 403, 200, 200, 200, 404, 403, 403, 200
    ),
    ("POST", "/people/residents/{resident}/", "people/residents/<int:pk>/"): row(
        302, 403, 403, 403, 403, 404, 403, 403, 200
    ),
    ("POST", "/people/residents/{resident}/propose/", "people/residents/<int:pk>/propose/"): row(
        302, 403, 403, 403, 302, 404, 403, 403, 302
    ),
    ("GET", "/people/changes/", "people/changes/"): row(
        302, 403, 200, 200, 200, 200, 403, 403, 200
    ),
    ("POST", "/people/changes/{change}/confirm/", "people/changes/<int:pk>/<str:decision>/"): row(
        302, 403, 403, 403, 403, 404, 403, 403, 302
    ),
    (
        "POST",
        "/people/changes/{other_change}/reject/",
        "people/changes/<int:pk>/<str:decision>/",
    ): row(302, 403, 403, 403, 403, 404, 403, 403, 302),
    ("GET", "/people/import/", "people/import/"): row(302, 403, 403, 403, 403, 403, 403, 403, 200),
    ("GET", "/people/counts/?tag=veteran", "people/counts/"): row(
        302, 403, 200, 200, 200, 200, 200, 403, 200
    ),
    # The household register (API).
    ("GET", "/api/v1/people/residents?name=王", "api/v1/people/residents"): row(
        401, 403, 200, 200, 200, 200, 403, 403, 200
    ),
    ("GET", "/api/v1/people/residents/{resident}", "api/v1/people/residents/{pk}"): row(
        401, 403, 200, 200, 200, 404, 403, 403, 200
    ),
    (
        "POST",
        "/api/v1/people/residents/{resident}/reveal",
        "api/v1/people/residents/{pk}/reveal",
    ): row(401, 403, 403, 403, 403, 404, 403, 403, 200),
    (
        "GET",
        "/api/v1/people/residents/{resident}/history",
        "api/v1/people/residents/{pk}/history",
    ): row(401, 403, 200, 200, 200, 404, 403, 403, 200),
    ("GET", f"/api/v1/people/households?area={A}", "api/v1/people/households"): row(
        401, 403, 200, 200, 200, 404, 403, 403, 200
    ),
    ("GET", "/api/v1/people/counts?tag=veteran", "api/v1/people/counts"): row(
        401, 403, 200, 200, 200, 200, 200, 403, 200
    ),
    ("POST", "/api/v1/people/changes", "api/v1/people/changes"): row(
        401, 403, 403, 403, 201, 404, 403, 403, 201
    ),
    ("GET", "/api/v1/people/changes", "api/v1/people/changes"): row(
        401, 403, 200, 200, 200, 200, 403, 403, 200
    ),
    (
        "POST",
        "/api/v1/people/changes/{api_change}/confirm",
        "api/v1/people/changes/{pk}/confirm",
    ): row(401, 403, 403, 403, 403, 404, 403, 403, 200),
    (
        "POST",
        "/api/v1/people/changes/{api_other_change}/reject",
        "api/v1/people/changes/{pk}/reject",
    ): row(401, 403, 403, 403, 403, 404, 403, 403, 200),
    ("POST", "/api/v1/people/import", "api/v1/people/import"): row(
        401, 403, 403, 403, 403, 403, 403, 403, 200
    ),
    ("GET", "/api/v1/people/export?tag=veteran", "api/v1/people/export"): row(
        401, 403, 200, 200, 403, 403, 403, 403, 200
    ),
    # The incident loop's pages: a case reported in micro-grid A1, the 城管 department summoned.
    ("GET", "/events/", "events/"): row(302, 403, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/events/tasks/", "events/tasks/"): row(302, 403, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/events/{case}/", "events/<case:number>/"): row(
        302, 403, 200, 200, 200, 404, 200, 200, 200
    ),
    ("POST", "/events/{case}/act/comment/", "events/<case:number>/act/<str:action>/"): row(
        302, 403, 302, 302, 302, 404, 302, 302, 302
    ),
    # Changes the case: keep it the last row that acts on it.
    ("POST", "/events/{case}/act/register/", "events/<case:number>/act/<str:action>/"): row(
        302, 403, 302, 302, 403, 404, 403, 403, 302
    ),
    (
        "POST",
        "/events/summonses/{page_summons}/acknowledge/",
        "events/summonses/<int:pk>/acknowledge/",
    ): row(302, 403, 403, 403, 403, 403, 403, 302, 403),
    ("GET", "/events/track/", "events/track/"): row(200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/events/track/", "events/track/"): row(200, 200, 200, 200, 200, 200, 200, 200, 200),
    # The case is not closed yet, so nobody can rate it; but anyone may ask.
    ("POST", "/events/track/rate/", "events/track/rate/"): row(
        409, 409, 409, 409, 409, 409, 409, 409, 409
    ),
    # Open311 GeoReport v2: public reads and api_key writes, the same for everyone (no session).
    ("GET", "/open311/v2/discovery.json", "open311/v2/discovery.<str:fmt>"): row(
        200, 200, 200, 200, 200, 200, 200, 200, 200
    ),
    ("GET", f"/open311/v2/services.xml?{O311}", "open311/v2/services.<str:fmt>"): row(
        200, 200, 200, 200, 200, 200, 200, 200, 200
    ),
    (
        "GET",
        f"/open311/v2/services/0101.json?{O311}",
        "open311/v2/services/<str:service_code>.<str:fmt>",
    ): row(200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", f"/open311/v2/requests.json?{O311}", "open311/v2/requests.<str:fmt>"): row(
        200, 200, 200, 200, 200, 200, 200, 200, 200
    ),
    ("POST", "/open311/v2/requests.json", "open311/v2/requests.<str:fmt>"): row(
        403, 403, 403, 403, 403, 403, 403, 403, 403
    ),
    (
        "GET",
        f"/open311/v2/requests/NOPE.xml?{O311}",
        "open311/v2/requests/<str:service_request_id>.<str:fmt>",
    ): row(404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("GET", f"/open311/v2/tokens/NOPE.json?{O311}", "open311/v2/tokens/<str:token>.<str:fmt>"): row(
        404, 404, 404, 404, 404, 404, 404, 404, 404
    ),
    # Field reporting (pages): anyone who may report, from anywhere; a receipt is the reporter's.
    ("GET", "/events/report/", "events/report/"): row(302, 403, 200, 200, 200, 200, 403, 403, 200),
    ("POST", "/events/report/", "events/report/"): row(302, 403, 302, 302, 302, 302, 403, 403, 302),
    ("GET", "/events/report/{report}/", "events/report/<str:number>/"): row(
        302, 403, 404, 404, 200, 404, 403, 403, 404
    ),
    ("GET", "/events/sw.js", "events/sw.js"): row(200, 200, 200, 200, 200, 200, 200, 200, 200),
    # The notification centre: everyone signed in has their own, and only their own.
    ("GET", "/notifications/", "notifications/"): row(302, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/notifications/read/", "notifications/read/"): row(
        302, 302, 302, 302, 302, 302, 302, 302, 302
    ),
    ("GET", "/notifications/{notification}/open/", "notifications/<int:pk>/open/"): row(
        302, 404, 404, 404, 404, 404, 404, 404, 302
    ),
    ("GET", "/api/v1/notifications", "api/v1/notifications"): row(
        401, 200, 200, 200, 200, 200, 200, 200, 200
    ),
    ("GET", "/api/v1/notifications/unread-count", "api/v1/notifications/unread-count"): row(
        401, 200, 200, 200, 200, 200, 200, 200, 200
    ),
    ("POST", "/api/v1/notifications/read", "api/v1/notifications/read"): row(
        401, 200, 200, 200, 200, 200, 200, 200, 200
    ),
    ("GET", "/api/v1/docs", "api/v1/docs"): row(302, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/openapi.json", "api/v1/openapi.json"): row(
        302, 200, 200, 200, 200, 200, 200, 200, 200
    ),
}

# JSON bodies for the rows that need one.
BODIES = {
    ("POST", "/api/v1/locate/batch"): {"points": [[118.5, 31.5]]},
    ("POST", "/people/residents/{resident}/"): (
        "form",
        {"field": "id_number", "reason": "核对低保申请"},
    ),
    ("POST", "/people/residents/{resident}/propose/"): ("form", {"phone": "13900002222"}),
    ("POST", "/events/report/"): (
        "form",
        {"category": "1201", "description": "路灯不亮", "lng": "118.5", "lat": "31.5"},
    ),
    ("POST", "/people/changes/{other_change}/reject/"): ("form", {"reason": "电话号码有误"}),
    ("POST", "/open311/v2/requests.json"): (
        "form",
        {"jurisdiction_id": "320113", "service_code": "0101", "lat": "31.5", "long": "118.5"},
    ),
    ("POST", "/api/v1/people/residents/{resident}/reveal"): {"field": "phone", "reason": "回访"},
    ("POST", "/api/v1/people/changes"): {
        "kind": "set_tags",
        "resident_id": "{resident}",
        "payload": {"tags": [{"tag": "key_care"}]},
    },
    ("POST", "/api/v1/people/changes/{api_other_change}/reject"): {"reason": "重复提交"},
    ("POST", "/api/v1/people/import"): ("file", "residents.xlsx"),
    ("POST", "/events/{case}/act/comment/"): ("form", {"text": "现场已拍照"}),
    ("POST", "/events/{case}/act/register/"): ("form", {"version": "1"}),
    ("POST", "/events/track/"): ("form", {"number": "{case}", "phone": "13812345678"}),
    ("POST", "/events/track/rate/"): (
        "form",
        {"number": "{case}", "phone": "13812345678", "satisfaction": "satisfied"},
    ),
    ("POST", "/api/v1/notifications/read"): {"all": True},
    ("POST", "/api/v1/regions/boundaries"): {
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

MATRIX.update(events_matrix())
MATRIX.update(numbers_matrix())
MATRIX.update(hall_matrix())
MATRIX.update(hardening_matrix())
MATRIX.update(operations_matrix())
BODIES.update(EVENTS_BODIES)
MATRIX.update(command_matrix())
BODIES.update(COMMAND_BODIES)
MATRIX.update(assistance_matrix())
BODIES.update(ASSISTANCE_BODIES)
MATRIX.update(disputes_matrix())
BODIES.update(DISPUTES_BODIES)
BODIES.update(HARDENING_BODIES)

# Routes that belong to Django itself and are covered by Django's own tests.
NOT_OURS = ("admin/", "i18n/")


def send(client: Client, method: str, url: str, body, ids: dict):
    if isinstance(body, tuple) and body[0] == "form":
        return client.post(url, {key: str(value).format(**ids) for key, value in body[1].items()})
    if isinstance(body, tuple) and body[0] == "file":
        return client.post(url, {"file": one_row_workbook(body[1])})
    text = _fill(json.dumps(body, ensure_ascii=False), ids) if body else ""
    return client.generic(method, url, text.encode(), content_type="application/json")


def _fill(text: str, ids: dict) -> str:
    """Put the ids of this world into a body: "{name}" → a number, or the text inside a string."""
    for name, value in ids.items():
        quoted = '"{' + name + '}"'
        text = text.replace(quoted, str(value) if isinstance(value, int) else f'"{value}"')
        text = text.replace("{" + name + "}", str(value))
    return text


def one_row_workbook(name: str) -> io.BytesIO:
    book = Workbook()
    book.active.append(["姓名", "身份证号", "与户主关系", "户编号"])
    book.active.append(["王小明", make_id_number("320113", date(2010, 5, 5), 31), "子女", ""])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = name
    return data


def client_as(world, persona: str) -> Client:
    return Client() if persona == "anonymous" else client_for(getattr(world, persona))


@pytest.fixture
def incident(world):
    """A citizen's report in micro-grid A1 (version 1), with the 城管 department summoned."""
    categories.load_defaults()
    case, _created = intake.report_incident(
        category="0101",
        description="路边堆放生活垃圾",
        by=None,
        source="citizen",
        lng=118.5,
        lat=31.5,
        photos=[jpeg()],
        reporter_phone="13812345678",
    )
    (case.summons_for_page,) = escalation.summon(
        incident=case, departments=[world.officer.organisation_id], by=world.staff
    )
    cache.clear()  # the tracking rows count lookups per address
    yield case


@pytest.fixture
def field_report(world):
    """The number of a report the grid worker made, for the receipt's row."""
    categories.load_defaults()
    incident, _created = intake.report_incident(
        category="1201", description="路灯不亮", by=world.grid_worker, source="grid_worker",
        lng=118.5, lat=31.5,
    )  # fmt: skip
    yield incident.number
    categories.forget()


def domain_ids(world) -> dict:
    """The ids the domain apps' rows name, made in the world (one place for every app)."""
    ids = events_ids(world) | command_ids(world) | assistance_ids(world) | disputes_ids(world)
    return ids | hardening_ids(world)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_route_answers_each_persona_as_the_matrix_says(
    world, incident, field_report, persona
):
    wrong = {}
    # Page and API rows each decide their own change requests.
    names = ["change", "other_change", "api_change", "api_other_change"]
    ids = {"resident": world.resident.pk} | {
        name: change.pk for name, change in zip(names, world.changes, strict=True)
    }
    ids |= domain_ids(world)
    ids |= {"case": incident.number, "page_summons": incident.summons_for_page.pk}
    ids["report"] = field_report
    # The notifications the loop sent above are the staff's too: one more, to open.
    (ids["notification"],) = notify(
        users=[world.staff], code="test", title="for staff", link="/people/"
    )
    for (method, url, _route), expected in MATRIX.items():
        # A fresh session per row: the sign-out row must not sign out the rows after it.
        client = client_as(world, persona)
        status = send(client, method, url.format(**ids), BODIES.get((method, url)), ids).status_code
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
