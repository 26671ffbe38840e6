"""An incident goes round the loop through the pages: the grid worker reports it on a phone, the
community dispatches it to 城管, the department handles it, the grid worker closes and rates it;
and a resident follows their own case by its number and phone."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from civicgrid.events import categories
from civicgrid.events.services import intake, steps
from civicgrid.events.services.steps import Handler
from tests.browser.test_region_map import sign_in
from tests.events.conftest import jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 860}


@pytest.fixture(autouse=True)
def _loop_ready(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    categories.load_defaults()
    cache.clear()
    yield
    categories.forget()


def _state_is(page, state: str) -> None:
    page.wait_for_selector(f'[data-testid="case-state"][data-state="{state}"]')


def _open_from_tasks(page, live_server, number: str) -> None:
    page.goto(f"{live_server.url}/events/tasks/")
    page.click(f'[data-testid="tasks"] [data-number="{number}"] a')
    page.wait_for_selector('#case-map[data-ready="1"]')  # the point and its micro-grid


def _act(page, action: str) -> None:
    page.click(f'[data-testid="act-{action}"] button[type="submit"]')


def test_an_incident_goes_round_the_loop_through_the_pages(world, live_server, browser):
    # (1) The grid worker reports from a phone (the report page is the field pages' own: the
    # phone's client posts to the API with the session and its CSRF token).
    worker = browser.new_context(viewport=PHONE, locale="zh-CN")
    phone = worker.new_page()
    sign_in(phone, live_server, "gina_grid", lands_on="320113002001001")
    token = next(c["value"] for c in worker.cookies() if c["name"] == "csrftoken")
    sent = phone.request.post(
        f"{live_server.url}/api/v1/events/reports",
        headers={"X-CSRFToken": token, "Referer": live_server.url},
        multipart={
            "category": "0101",
            "description": "尧新大道路边堆放生活垃圾",
            "lng": "118.5",
            "lat": "31.5",
            "photos": {"name": "litter.jpg", "mimeType": "image/jpeg", "buffer": jpeg()},
        },
    )
    assert sent.status == 201, sent.text()
    number = sent.json()["number"]
    phone.goto(f"{live_server.url}/events/{number}/")
    _state_is(phone, "reported")
    assert phone.locator('[data-testid="act-dispatch"]').count() == 0

    # (2) Community staff register it and dispatch it to the 城管 department.
    desk = browser.new_context(viewport=DESK, locale="zh-CN")
    page = desk.new_page()
    sign_in(page, live_server, "sally_staff", lands_on="320113002001")
    _open_from_tasks(page, live_server, number)
    assert page.locator('[data-testid="photos"] img').count() == 1
    _act(page, "register")
    _state_is(page, "registered")
    department = f"department:{world.officer.organisation_id}"
    page.select_option('[data-testid="act-dispatch"] select[name="handler"]', department)
    _act(page, "dispatch")
    _state_is(page, "dispatched")
    assert "城市管理局" in page.inner_text('[data-testid="handler"]')
    desk.close()

    # (3) The department officer accepts and reports the result with a photo.
    office = browser.new_context(viewport=DESK, locale="zh-CN")
    page = office.new_page()
    sign_in(page, live_server, "owen_officer", lands_on="320113")
    _open_from_tasks(page, live_server, number)
    _act(page, "accept")
    _state_is(page, "handling")
    page.fill('[data-testid="act-finish"] textarea[name="result"]', "已清运，路面已冲洗")
    page.set_input_files(
        '[data-testid="act-finish"] input[name="photos"]',
        files=[{"name": "done.jpg", "mimeType": "image/jpeg", "buffer": jpeg("blue")}],
    )
    _act(page, "finish")
    _state_is(page, "handled")
    assert page.locator('[data-testid="photos"] img').count() == 2
    office.close()

    # (4) The grid worker, back on the phone, verifies and closes; (5) and rates it.
    _open_from_tasks(phone, live_server, number)
    _act(phone, "close")
    _state_is(phone, "closed")
    phone.check('[data-testid="act-evaluate"] input[value="satisfied"]')
    phone.fill('[data-testid="act-evaluate"] textarea[name="comment"]', "处理很快")
    _act(phone, "evaluate")
    phone.wait_for_selector('[data-testid="rating"]')
    assert "处理很快" in phone.inner_text('[data-testid="rating"]')
    actions = phone.locator("[data-action]").evaluate_all("rows => rows.map(r => r.dataset.action)")
    assert actions[-5:] == ["dispatch", "accept", "finish", "close", "evaluate"]
    worker.close()


def test_a_resident_follows_their_case_and_rates_it(world, live_server, browser):
    case, _created = intake.report_incident(
        category="0101", description="小区门口垃圾没人清", by=None, source="citizen",
        lng=118.5, lat=31.5, photos=[jpeg()], reporter_phone="13812345678",
    )  # fmt: skip
    steps.register(incident=case, by=world.staff, version=case.flow.version)
    steps.dispatch(
        incident=case, to=Handler("worker", str(world.grid_worker.pk)), by=world.staff,
        version=case.flow.version,
    )  # fmt: skip
    steps.accept(incident=case, by=world.grid_worker, version=case.flow.version)
    steps.finish(
        incident=case, by=world.grid_worker, version=case.flow.version, result="已清运",
        photos=[jpeg("blue")],
    )  # fmt: skip
    steps.close(incident=case, by=world.staff, version=case.flow.version)

    resident = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = resident.new_page()
    page.goto(f"{live_server.url}/events/track/")
    page.fill('[data-testid="track-form"] input[name="number"]', case.number)
    page.fill('[data-testid="track-form"] input[name="phone"]', "13900000000")
    page.click('[data-testid="track-form"] button')
    page.wait_for_selector('[data-testid="error"][data-code="events.tracking_not_found"]')

    page.fill('[data-testid="track-form"] input[name="phone"]', "13812345678")
    page.click('[data-testid="track-form"] button')
    page.wait_for_selector('[data-testid="track-state"][data-state="closed"]')
    assert page.locator('[data-testid="track-steps"] li').count() >= 5
    assert "gina_grid" not in page.inner_text('[data-testid="tracking"]')  # no staff names
    page.check('[data-testid="rate-form"] input[value="basic"]')
    page.fill('[data-testid="rate-form"] textarea[name="comment"]', "还可以更快")
    page.click('[data-testid="rate-form"] button')
    page.wait_for_selector('[data-testid="rated"]')
    assert page.locator('[data-testid="rate-form"]').count() == 0
    case.refresh_from_db()
    assert (case.satisfaction, case.evaluation_comment) == ("basic", "还可以更快")
    resident.close()
