"""The leader's big screen: hot spots this week against last, its JSON API, and its scope."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from civicgrid.command import hall
from tests.command.conftest import DISPUTE, ELDERLY, IN_A1, IN_A2, IN_B1, NOWHERE, TZ

API = "/api/v1/command/hall"
PAGE = "/command/hall/"
TOWN_A, TOWN_B = "320113002", "320113003"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=TZ)
DAY = timedelta(days=1)
NEIGHBOURS = "1103"  # 物业纠纷


@pytest.fixture
def fortnight(world, story):
    """Town A: disputes rising in micro-grid A1, elderly care falling in A2, one report whose
    place is unknown (held at the town), and reports just outside the two weeks."""
    s = story
    for when in (NOW - DAY, NOW - 2 * DAY, NOW - 7 * DAY + timedelta(minutes=1)):
        s.report(when, category=DISPUTE, where=IN_A1)
    s.report(NOW - 8 * DAY, category=DISPUTE, where=IN_A1)
    s.report(NOW - 3 * DAY, category=ELDERLY, where=IN_A2)
    # Exactly seven days ago belongs to last week; exactly fourteen days ago to neither.
    s.report(NOW - 7 * DAY, category=ELDERLY, where=IN_A2)
    s.report(NOW - 10 * DAY, category=ELDERLY, where=IN_A2)
    s.report(NOW - 13 * DAY, category=ELDERLY, where=IN_A2)
    s.report(NOW - 14 * DAY, category=ELDERLY, where=IN_A2)
    s.report(NOW - 30 * DAY, category=DISPUTE, where=IN_A1)
    s.report(NOW - 4 * DAY, category=NEIGHBOURS, where=NOWHERE)
    s.report(NOW - DAY, category=NEIGHBOURS, where=IN_B1, by=world.outsider)


def counts(rows):
    return [(r["code"], r["this_week"], r["last_week"], r["change"]) for r in rows]


def test_hot_categories_rank_this_weeks_reports_against_last_weeks(world, fortnight):
    assert counts(hall.hot_categories(TOWN_A, NOW)) == [
        (DISPUTE, 3, 1, 2),
        (ELDERLY, 1, 3, -2),
        (NEIGHBOURS, 1, 0, 1),
    ]
    assert hall.hot_categories(TOWN_A, NOW)[0]["name"] == "邻里纠纷"
    assert hall.week_totals(TOWN_A, NOW) == {"this_week": 5, "last_week": 4}


def test_hot_microgrids_say_where_they_lie_and_leave_out_unplaced_reports(world, fortnight):
    rows = hall.hot_microgrids(TOWN_A, NOW)
    assert counts(rows) == [(world.micro_a1.code, 3, 1, 2), (world.micro_a2.code, 1, 3, -2)]
    first = rows[0]
    assert (first["name"], first["community"]) == ("第1网格第1微网格", "尧化门社区")
    assert (first["lng"], first["lat"]) == (
        world.micro_a1.centroid_lng,
        world.micro_a1.centroid_lat,
    )


def test_the_county_sees_its_towns_hot_spots_together(world, fortnight):
    # Equal this week: more last week first.
    assert [r["code"] for r in hall.hot_microgrids("320113", NOW)] == [
        world.micro_a1.code,
        world.micro_a2.code,
        world.micro_b1.code,
    ]
    assert hall.hot_categories(TOWN_B, NOW) == [
        {"code": NEIGHBOURS, "name": "物业纠纷", "this_week": 1, "last_week": 0, "change": 1}
    ]


def test_each_list_holds_at_most_the_rows_shown(world, fortnight, monkeypatch):
    monkeypatch.setattr(hall, "SHOWN", 1)
    assert counts(hall.hot_categories(TOWN_A, NOW)) == [(DISPUTE, 3, 1, 2)]
    assert len(hall.hot_microgrids(TOWN_A, NOW)) == 1
    assert len(hall.screen("320113", NOW)["ranking_areas"]) == 1


def test_the_screen_reads_kpis_and_rankings_over_the_last_30_days(world, fortnight):
    got = hall.screen(TOWN_A, NOW)
    assert got["period"] == {"start": "2026-10-22", "end": "2026-11-21"}
    # Every report of town A since 22 October: the 10 of the fortnight, and the one 30 days ago
    # (21 October) left out.
    assert got["kpis"]["reports"] == 10
    assert (got["kpis"]["reports_this_week"], got["kpis"]["reports_last_week"]) == (5, 4)
    assert got["generated_at"] == "2026-11-20T12:00:00+08:00"
    assert got["weeks"]["last_week"] == {
        "start": "2026-11-06T12:00:00+08:00",
        "end": "2026-11-13T12:00:00+08:00",
    }
    assert [a["code"] for a in got["ranking_areas"]] == [world.community_a.code]
    county = hall.screen("320113", NOW)
    assert [a["code"] for a in county["ranking_areas"]] == [TOWN_A, TOWN_B]


def test_the_api_gives_the_screen_of_the_leaders_area(world, story, as_user):
    now = timezone.now()
    story.report(now - timedelta(hours=1), category=DISPUTE, where=IN_A1)
    story.report(now - 9 * DAY, category=DISPUTE, where=IN_A2)
    body = as_user(world.leader).get(API).json()
    assert body["area"] == {"code": "320113", "name": "栖霞区"}
    assert (body["kpis"]["reports_this_week"], body["kpis"]["reports_last_week"]) == (1, 1)
    assert body["kpis"]["reports"] == 2 and body["kpis"]["overdue_now"] == 0
    assert counts(body["hot_microgrids"]) == [
        (world.micro_a1.code, 1, 0, 1),
        (world.micro_a2.code, 0, 1, -1),
    ]
    assert counts(body["hot_categories"]) == [(DISPUTE, 1, 1, 0)]
    assert [a["code"] for a in body["ranking_areas"]] == [TOWN_A, TOWN_B]
    assert body["ranking_departments"] == []
    assert body["generated_at"].endswith("+08:00")

    town = as_user(world.town_operator).get(API).json()
    assert town["area"]["code"] == TOWN_A
    assert as_user(world.leader).get(API, {"area": TOWN_B}).json()["hot_microgrids"] == []


@pytest.mark.parametrize(
    ("persona", "area", "status", "code"),
    [
        ("town_operator", TOWN_B, 404, "command.not_found"),
        ("staff", TOWN_A, 404, "command.not_found"),
        ("outsider", TOWN_A, 404, "command.not_found"),
        ("leader", "320113099", 404, "command.not_found"),
        ("leader", "3201", 404, "command.not_found"),
        ("leader", "32011300x", 400, "command.bad_area"),
        ("leader", "320113002001001", 400, "command.area_too_fine"),
        ("outsider", "", 403, "permission_denied"),
        ("officer", "", 403, "permission_denied"),
        ("admin", "", 403, "permission_denied"),
    ],
)
def test_bad_or_foreign_areas_and_roles_without_the_right_get_a_clear_error(
    world, as_user, persona, area, status, code
):
    client = as_user(getattr(world, persona))
    answer = client.get(API, {"area": area})
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert client.get(PAGE, {"area": area}).status_code == status


def test_the_page_carries_the_first_numbers_and_where_to_refresh_them(world, story, as_user):
    story.report(timezone.now() - timedelta(hours=2), category=DISPUTE, where=IN_A1)
    page = as_user(world.town_operator).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-api-url="{API}?area={TOWN_A}"' in html
    assert f'data-map-url="/api/v1/regions/{TOWN_A}/map"' in html
    assert 'id="hall-data"' in html and world.micro_a1.code in html
    assert "<script>" not in html  # data in JSON blocks and data-* attributes only


def test_the_page_asks_a_stranger_to_sign_in(client):
    assert client.get(PAGE).status_code == 302
