"""A county operator reads the month's numbers, sees both charts drawn, and opens a town."""

from __future__ import annotations

import pytest

from tests.command.conftest import _categories, november, story  # noqa: F401 - fixtures
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("november")
def test_the_numbers_page_draws_its_charts_and_drills_down_to_a_town(world, live_server, page):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/")
    page.fill('input[name="username"]', "carol_county")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url("**/regions/320113/")

    page.goto(f"{live_server.url}/command/numbers/?start=2026-11-01&end=2026-12-01")
    page.wait_for_selector('#trend-chart[data-ready="1"] canvas')
    page.wait_for_selector('#category-chart[data-ready="1"] canvas')
    assert page.inner_text('[data-kpi="reports"] strong') == "8"
    assert page.inner_text('[data-kpi="dispatch_rate"] strong') == "50.00%"
    page.screenshot(path=str(live_server_shot()), full_page=True)

    page.click('[data-testid="areas"] a:text("尧化街道")')
    page.wait_for_selector('#trend-chart[data-ready="1"] canvas')
    assert "尧化街道" in page.inner_text('[data-testid="numbers-title"]')
    assert page.inner_text('[data-kpi="reports"] strong') == "7"
    assert errors == []


def live_server_shot():
    import tempfile
    from pathlib import Path

    return Path(tempfile.gettempdir()) / "civicgrid-numbers-page.png"
