"""A dispute from intake to close through the pages: community staff take it in at the window
and route it, the town committee's mediator assigns themself, plans a session and records the
agreement, the grid worker visits for follow-up, and the mediator closes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.disputes import rules, types
from tests.browser.test_region_map import sign_in
from tests.disputes.conftest import mediation  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1280, "height": 860}


@pytest.fixture(autouse=True)
def _rules():
    # Transactional tests flush the tables the migrations filled: put the types back.
    types.load_defaults()
    rules.forget()
    yield
    rules.forget()


def _as(browser, live_server, username, lands_on):
    page = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    sign_in(page, live_server, username, lands_on=lands_on)
    return page


def _state(page):
    return page.inner_text('[data-testid="state"]')


def test_a_dispute_from_intake_to_close_through_the_pages(world, mediation, live_server, browser):  # noqa: F811
    # (1) The community's one window takes it in: 12 households, so it is orange (town level).
    staff = _as(browser, live_server, "sally_staff", "320113002001")
    staff.goto(f"{live_server.url}/disputes/new/")
    staff.select_option('[data-testid="type"]', "property")
    staff.fill('[data-testid="region"]', "320113002001001001")
    staff.fill('[data-testid="facts"]', "小区电梯停运两月，业主与物业互相指责")
    staff.fill('[data-testid="people"]', "12")
    staff.fill('[data-testid="a-name"]', "业主代表周敏")
    staff.fill('[data-testid="r-name"]', "某物业服务公司")
    staff.click('[data-testid="intake-submit"]')
    staff.wait_for_selector('[data-testid="number"]')
    number = staff.inner_text('[data-testid="number"]')
    assert "涉及10人以上" in staff.inner_text('[data-testid="reasons"]')
    # (2) Routing suggests the town committee first (orange is the town's); the desk routes.
    assert staff.locator('[data-testid="organisation-choice"] option').first.inner_text().startswith("尧化街道人民调解委员会")  # fmt: skip
    staff.click('[data-testid="act-route"] button[type="submit"]')
    staff.wait_for_selector('[data-testid="act-assign"]')
    assert staff.inner_text('[data-testid="organisation"]') == "尧化街道人民调解委员会"
    # (3) The mediator assigns themself, plans a session, records the agreement.
    mediator = _as(browser, live_server, "mia_mediator", "320113002")
    mediator.goto(f"{live_server.url}/disputes/{number}/")
    mediator.click('[data-testid="act-assign"] button[type="submit"]')
    mediator.wait_for_selector('[data-testid="act-session"]')
    when = timezone.localtime() + timedelta(days=2)
    mediator.fill('[data-testid="session-time"]', f"{when:%Y-%m-%dT%H:%M}")
    mediator.fill('[data-testid="session-place"]', "尧化街道矛盾纠纷调解中心")
    mediator.click('[data-testid="act-session"] button[type="submit"]')
    mediator.wait_for_selector('[data-testid="sessions"]')
    mediator.fill('[data-testid="issues"]', "电梯停运责任与物业费")
    mediator.fill('[data-testid="content"]', "物业公司十日内修复电梯，业主缴清欠缴物业费")
    mediator.fill('[data-testid="method"]', "物业公司报修；业主转账缴费")
    mediator.fill(
        '[data-testid="deadline"]', f"{timezone.localdate() + timedelta(days=10):%Y-%m-%d}"
    )
    mediator.click('[data-testid="agree"]')
    mediator.wait_for_selector('[data-testid="agreement"]')
    assert mediator.locator('[data-testid="agreement-docx"]').count() == 1
    # (4) The grid worker visits as often as orange asks (three times); all performed.
    worker = _as(browser, live_server, "gina_grid", "320113002001001")
    worker.goto(f"{live_server.url}/disputes/{number}/")
    for _ in range(3):
        worker.select_option('[data-testid="act-follow-up"] >> nth=0 >> [data-testid="performance"]', "performed")  # fmt: skip
        worker.click('[data-testid="act-follow-up"] >> nth=0 >> [data-testid="visit"]')
        worker.wait_for_load_state()
    # (5) The mediator closes it.
    mediator.goto(f"{live_server.url}/disputes/{number}/")
    mediator.click('[data-testid="close"]')
    mediator.wait_for_selector('[data-testid="state"]')
    assert _state(mediator) == "已结案"  # closed
