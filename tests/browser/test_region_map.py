"""A county operator signs in and clicks down the map from the district to a micro-grid."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def click_region(page, code: str) -> None:
    page.wait_for_selector('#map[data-ready="1"]')
    page.locator(f"path.code-{code}").click()
    page.wait_for_url(f"**/regions/{code}/")


def sign_in(page, live_server, username: str, lands_on: str) -> None:
    page.goto(f"{live_server.url}/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"**/regions/{lands_on}/")


def test_an_operator_clicks_down_the_map_to_a_micro_grid(world, live_server, page):
    sign_in(page, live_server, "carol_county", lands_on="320113")
    assert page.inner_text('[data-testid="region-name"]') == "栖霞区"

    for code in ["320113002", "320113002001", "320113002001001", "320113002001001001"]:
        click_region(page, code)

    assert page.inner_text('[data-testid="region-name"]') == "第1网格第1微网格"
    crumbs = page.inner_text('[data-testid="breadcrumbs"]')
    assert "栖霞区" in crumbs and "尧化街道" in crumbs and "第1网格" in crumbs
    page.wait_for_selector('#map[data-ready="1"]')  # the micro-grid's own outline is drawn


def test_the_sibling_towns_grid_worker_cannot_open_this_town(world, live_server, page):
    sign_in(page, live_server, "oscar_outsider", lands_on="320113003001001")
    response = page.goto(f"{live_server.url}/regions/320113002/")
    assert response.status == 404
