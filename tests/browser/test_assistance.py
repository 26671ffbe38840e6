"""Community staff register an application at the window and record the home visit; the town
verifies, decides (the explanation on the page), and opens the audit-logged full figures."""

from __future__ import annotations

import pytest

from civicgrid.assistance.models import Application
from tests.assistance.conftest import sources  # noqa: F401 - the fixture, sources in memory
from tests.browser.test_region_map import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_application_goes_from_the_window_to_the_public_notice(
    world,
    live_server,
    browser,
    sources,  # noqa: F811 - the imported fixture
):
    staff = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = staff.new_page()
    sign_in(page, live_server, "sally_staff", lands_on="320113002001")
    page.click('[data-testid="nav-assistance"]')
    page.click('[data-testid="new-application"]')
    form = page.locator('[data-testid="application-form"]')
    form.locator('input[name="id_number"]').fill(world.resident.id_number)
    form.locator('input[name="income-wages"]').fill("6000")
    form.locator('input[name="bank_name"]').fill("南京银行")
    form.locator('input[name="bank_account"]').fill("6222020202020202")
    form.locator('button[type="submit"]').click()
    page.wait_for_selector('[data-testid="number"]')
    assert page.inner_text('[data-testid="account"]').endswith("************0202")
    page.click('[data-testid="act-accept"] button')
    page.fill('[data-testid="act-record_visit"] textarea', "两位老人同住，房屋老旧")
    page.click('[data-testid="act-record_visit"] button')
    page.wait_for_selector('[data-testid="state"][data-state="town_review"]')
    number = page.inner_text('[data-testid="number"]')
    staff.close()

    town = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = town.new_page()
    sign_in(page, live_server, "tom_town", lands_on="320113002")
    page.goto(f"{live_server.url}/assistance/{number}/")
    page.click('[data-testid="act-verify"] button')
    page.click('[data-testid="act-propose"] button')
    page.wait_for_selector('[data-testid="state"][data-state="notice"]')
    decision = page.inner_text('[data-testid="decision"]')
    assert "1600" in decision  # (1,050 − 6,000 / 12 / 2) × 2
    page.fill('[data-testid="unmask-form"] input[name="reason"]', "镇级审核")
    page.click('[data-testid="unmask-form"] button')
    page.wait_for_selector('[data-testid="full-account"]')
    assert "6222020202020202" in page.inner_text('[data-testid="full-account"]')
    town.close()
    assert Application.all_objects.get().decision["total_monthly_fen"] == 160_000
