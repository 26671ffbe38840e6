"""A grid worker reports from a phone: once online, once with no network (the outbox sends it
when the network returns, and no report arrives twice)."""

from __future__ import annotations

import re
import time

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from civicgrid.events import categories
from civicgrid.events.models import Incident
from tests.browser.test_region_map import sign_in
from tests.events.conftest import IN_A1, jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LITTER = "0101"  # exposed rubbish: a photo is required


def until_true(page, function: str, seconds: float = 30) -> None:
    """Poll a function in the page (page.evaluate is not subject to the page's CSP, whereas
    wait_for_function's polling is)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(function):
        assert time.monotonic() < deadline, f"still false after {seconds} s: {function}"
        time.sleep(0.1)


@pytest.fixture
def phone(browser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    categories.load_defaults()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.grant_permissions(["geolocation"])
    context.set_geolocation({"longitude": IN_A1[0], "latitude": IN_A1[1]})
    yield context
    context.close()
    categories.forget()


def fill_in(page, description: str) -> None:
    page.select_option("#id_category", LITTER)
    page.fill("#id_description", description)
    page.set_input_files(
        "#id_photos_camera",
        files=[{"name": "rubbish.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}],
    )


def test_a_grid_worker_reports_online_then_offline_and_nothing_arrives_twice(
    world, live_server, phone
):
    page = phone.new_page()
    sign_in(page, live_server, "gina_grid", lands_on="320113002001001")
    page.goto(f"{live_server.url}/events/report/")
    page.wait_for_selector('#pin-map[data-ready="1"]')  # the grid's micro-grids are drawn

    fill_in(page, "路边堆放生活垃圾")
    page.click('[data-testid="locate-me"]')
    # Not wait_for_function: its polling evaluates a string, which the page's CSP refuses.
    expect(page.locator("#id_lng")).not_to_have_value("")
    assert float(page.input_value("#id_lng")) == pytest.approx(IN_A1[0])
    page.click('[data-testid="send-report"]')
    page.wait_for_url(re.compile(r"/events/report/[0-9A-Z]+/$"))
    first = page.inner_text('[data-testid="case-number"]').strip()
    assert world.micro_a1.name in page.inner_text('[data-testid="micro-grid"]')
    assert page.inner_text('[data-testid="responsible-worker"]').strip() == "gina_grid"

    # The service worker keeps the page, so it opens again with no network.
    page.goto(f"{live_server.url}/events/report/")
    until_true(
        page,
        "async () => navigator.serviceWorker.controller !== null"
        " && Boolean(await caches.match('/events/report/'))",
    )
    phone.set_offline(True)
    assert page.reload().from_service_worker
    page.wait_for_selector('#pin-map[data-ready="1"]')

    fill_in(page, "垃圾桶满溢, 无人清运")
    page.locator("#pin-map").click(position={"x": 195, "y": 250})  # a tap sets the pin
    assert page.input_value("#id_lat") != ""
    page.click('[data-testid="send-report"]')
    queued = page.locator('[data-testid="outbox-item"]')
    queued.and_(page.locator('[data-state="waiting"]')).wait_for()
    assert "垃圾桶满溢" in queued.inner_text()
    page.wait_for_selector('[data-testid="form-notice"]:not([hidden])')
    assert page.input_value("#id_description") == ""  # the form is free for the next report
    with scopes_disabled():
        assert Incident.objects.count() == 1

    phone.set_offline(False)  # the "online" event sends what waits
    page.locator('[data-testid="outbox-item"][data-state="sent"]').wait_for()
    with scopes_disabled():
        second = Incident.objects.exclude(number=first).get()
        assert Incident.objects.count() == 2
        assert second.client_key and second.photos.count() == 1
    assert second.number in queued.inner_text()

    page.click('[data-testid="send-now"]')  # sending again changes nothing
    page.reload()
    assert second.number in page.inner_text('[data-testid="my-reports"]')
    with scopes_disabled():
        assert Incident.objects.count() == 2


def test_a_queued_report_the_server_refuses_waits_on_the_phone_to_be_fixed(
    world, live_server, phone
):
    page = phone.new_page()
    sign_in(page, live_server, "gina_grid", lands_on="320113002001001")
    page.goto(f"{live_server.url}/events/report/")
    phone.set_offline(True)
    fill_in(page, "井盖缺失")
    page.set_input_files(  # named like a photo, but not one: only the server can tell
        "#id_photos_camera",
        files=[{"name": "manhole.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo"}],
    )
    page.click('[data-testid="send-report"]')
    page.locator('[data-testid="outbox-item"][data-state="waiting"]').wait_for()

    phone.set_offline(False)
    refused = page.locator('[data-testid="outbox-item"][data-state="error"]')
    refused.wait_for()
    refused.locator('[data-action="edit"]').click()
    page.wait_for_selector("#outbox[hidden]", state="attached")  # out of the outbox, into the form
    assert page.input_value("#id_description") == "井盖缺失"
    assert page.inner_text('[data-error-for="photos"]') != ""
    with scopes_disabled():
        assert Incident.objects.count() == 0
