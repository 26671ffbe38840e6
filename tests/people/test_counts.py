"""Counting the register: how many 80+ living alone in this town?"""

from __future__ import annotations

from datetime import date

import pytest

from civicgrid.people import services
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def elders(world):
    today = date.today()
    home = services.register_household(region_code=world.micro_a2.code, address="1号", by=None)
    old = f.resident(
        home,
        "独居老人",
        f.id_number("320113", date(today.year - 85, 1, 1), 1),
        relation="head",
        tags=[services.TagValue("living_alone")],
    )
    young_home = services.register_household(
        region_code=world.micro_a1.code, address="2号", by=None
    )
    f.resident(
        young_home,
        "独居青年",
        f.id_number("320113", date(today.year - 30, 1, 1), 3),
        relation="head",
        tags=[services.TagValue("living_alone")],
    )
    sibling_home = services.register_household(
        region_code=world.micro_b1.code, address="3号", by=None
    )
    f.resident(
        sibling_home,
        "邻街道老人",
        f.id_number("320113", date(today.year - 90, 1, 1), 5),
        relation="head",
        tags=[services.TagValue("living_alone")],
    )
    return old


def test_80_plus_living_alone_in_the_town(world, elders, as_user):
    body = (
        as_user(world.town_operator)
        .get("/api/v1/people/counts", {"tag": "living_alone", "min_age": 80, "by_child": True})
        .json()
    )
    assert body["total"] == 1
    assert body["by_area"] == {"320113002001": 1}


def test_the_county_counts_both_towns(world, elders, as_user):
    body = (
        as_user(world.county_operator)
        .get("/api/v1/people/counts", {"tag": "living_alone", "min_age": 80, "by_child": True})
        .json()
    )
    assert body["total"] == 2
    assert body["by_area"] == {"320113002": 1, "320113003": 1}


def test_counts_without_a_tag_count_people_by_age(world, elders, as_user):
    body = as_user(world.leader).get("/api/v1/people/counts", {"min_age": 60}).json()
    # 王建国 (1950), 李秀英 (1952), two elders of 85 and 90.
    assert body["total"] == 4


def test_an_area_outside_mine_is_404(world, as_user):
    response = as_user(world.town_operator).get("/api/v1/people/counts", {"area": "320113003"})
    assert response.status_code == 404
