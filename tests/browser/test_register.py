"""A grid worker proposes a correction in the book; community staff confirm it and unmask a phone."""

from __future__ import annotations

import pytest

from tests.browser.test_region_map import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_correction_goes_from_the_grid_worker_to_the_staff_and_into_the_register(
    world, live_server, browser
):
    worker = browser.new_context(viewport={"width": 412, "height": 915}, locale="zh-CN")
    page = worker.new_page()  # a phone-sized screen, as in the field
    sign_in(page, live_server, "gina_grid", lands_on="320113002001001")
    page.click('[data-testid="open-register"]')
    page.wait_for_selector('[data-testid="household"]')
    page.click("text=王建国")
    assert page.inner_text('[data-testid="phone"]') == "138****5678"
    page.click("text=提出更正")
    page.fill('input[name="phone"]', "13911112222")
    page.click("text=提交确认")
    page.wait_for_selector(".notice")
    worker.close()

    staff = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = staff.new_page()
    sign_in(page, live_server, "sally_staff", lands_on="320113002001")
    page.goto(f"{live_server.url}/people/changes/")
    row = page.locator('[data-testid="changes"] tr', has_text="139****2222")
    row.locator("button", has_text="确认").click()
    page.wait_for_selector(".notice")

    page.goto(f"{live_server.url}/people/residents/{world.resident.pk}/")
    assert page.inner_text('[data-testid="phone"]') == "139****2222"
    page.click("text=查看完整身份证号或电话")
    page.select_option('[data-testid="reveal-form"] select[name="field"]', "phone")
    page.fill('[data-testid="reveal-form"] input[name="reason"]', "入户回访核实")
    page.click('[data-testid="reveal-form"] button')
    assert page.inner_text('[data-testid="phone"]') == "13911112222"
    staff.close()
