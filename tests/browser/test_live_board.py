"""An operator has the live board open; a grid worker reports; the report appears without a
reload, and an emergency raises the alarm. Then the one map shows the case and who is nearest."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from civicgrid.events import categories
from civicgrid.events.services import intake
from civicgrid.resources import services as resources
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _quick_polls(monkeypatch):
    # The live server runs in this process: the board polls every second instead of five.
    monkeypatch.setattr("civicgrid.command.views.board.POLL_SECONDS", 1)


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url("**/regions/**")


def report(world, description: str, priority: int = 0, at=(118.5, 31.5)):
    with scopes_disabled():
        incident, _created = intake.report_incident(
            category="1101", description=description, by=world.grid_worker,
            source="grid_worker", lng=at[0], lat=at[1], priority=priority,
        )  # fmt: skip
    return incident


def test_a_new_report_and_an_emergency_appear_on_the_open_board(world, live_server, page):
    categories.load_defaults()
    sign_in(page, live_server, "tom_town")
    page.goto(f"{live_server.url}/command/")
    page.wait_for_selector('[data-testid="section-new"]')
    page.evaluate("window.__sameDocument = true")
    assert page.locator("#alarm").is_hidden()

    first = report(world, "楼道堆放杂物")
    row = f'[data-testid="section-new"] li[data-number="{first.number}"]'
    page.wait_for_selector(row, timeout=15_000)
    assert page.locator("#alarm").is_hidden()  # an ordinary report is not rung

    page.click('[data-testid="sound-toggle"]')  # the click browsers want before any sound
    page.wait_for_selector('[data-testid="sound-toggle"][aria-pressed="true"]')
    emergency = report(world, "燃气泄漏，有人员被困", priority=2, at=(118.4, 31.3))
    page.wait_for_selector(
        f'[data-testid="section-new"] li[data-number="{emergency.number}"] '
        '[data-testid="emergency-marker"]',
        timeout=15_000,
    )
    page.wait_for_selector('[data-testid="alarm"]:not([hidden])')
    assert emergency.number in page.inner_text("#alarm-cases")
    assert page.evaluate("window.__sameDocument") is True  # no reload happened

    page.click("#alarm-dismiss")
    assert page.locator("#alarm").is_hidden()
    page.click(f'[data-testid="section-new"] li[data-number="{emergency.number}"] a')
    page.wait_for_url(f"**/events/{emergency.number}/")


def test_the_map_shows_a_case_and_who_is_nearest(world, live_server, page):
    categories.load_defaults()
    incident = report(world, "路灯不亮")
    with scopes_disabled():
        resources.create_resource(kind="aed", name="尧化门社区AED", lng=118.51, lat=31.51, by=None)
    sign_in(page, live_server, "tom_town")
    page.goto(f"{live_server.url}/command/map/")
    page.wait_for_selector('#cmap[data-ready="1"]', timeout=15_000)
    page.locator(f"path.case-{incident.number}").click()
    page.wait_for_selector('[data-testid="panel-case"]')
    assert incident.number in page.inner_text('[data-testid="panel"]')
    assert "尧化门社区AED" in page.inner_text('[data-testid="nearest-resources"]')
    assert page.locator('[data-testid="nearest-workers"] li').count() >= 1
