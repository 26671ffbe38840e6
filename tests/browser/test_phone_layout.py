"""On a phone, the top bar wraps onto rows and keeps every link readable on one line."""

from __future__ import annotations

import pytest

from tests.browser.test_region_map import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_grid_worker_on_a_phone_reads_every_link_of_the_top_bar_on_one_line(
    world, live_server, browser
):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, "gina_grid", lands_on="320113002001001")

    links = page.locator("header.topbar nav a")
    assert links.count() >= 5  # tasks, cases, report, notifications, password, …
    for i in range(links.count()):
        # The height of the link's text, in lines of its own line height (padding left out).
        lines = links.nth(i).evaluate(
            """a => { const s = getComputedStyle(a), r = a.getBoundingClientRect();
                return (r.height - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom))
                    / parseFloat(s.lineHeight); }"""
        )
        # Squeezed side by side, a link became a column of one character per line.
        assert lines < 1.5, links.nth(i).inner_text()
        box = links.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    context.close()
