"""A grid worker covers the neighbouring grid for an afternoon: they take up the grant a security
administrator gave them, work there under the yellow bar, and go back to their own grid."""

from __future__ import annotations

import pytest

from civicgrid.accounts.services import grant_area
from tests.browser.test_region_map import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_grid_worker_takes_up_a_grant_and_goes_back(world, security_admin, live_server, page):
    grant_area(
        user=world.outsider,
        region_code=world.grid_a.code,
        reason="顶班：第1网格网格员休假",
        hours=4,
        by=security_admin,
    )
    sign_in(page, live_server, "oscar_outsider", lands_on=world.grid_b.code)
    assert page.locator('[data-testid="area-grant-bar"]').count() == 0

    page.click('[data-testid="who"]')
    row = page.locator('[data-testid="grant-row"]', has_text="顶班")
    row.locator('[data-testid="take-up"]').click()
    page.wait_for_url(f"**/regions/{world.grid_a.code}/")
    bar = page.inner_text('[data-testid="area-grant-bar"]')
    assert world.grid_a.code in bar
    assert "记录" in bar

    page.click('[data-testid="area-grant-bar"] button')
    page.wait_for_url(f"**/regions/{world.grid_b.code}/")
    assert page.locator('[data-testid="area-grant-bar"]').count() == 0
