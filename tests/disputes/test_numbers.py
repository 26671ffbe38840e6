"""Numbers on a hand-built set: received, resolved, rate, days to resolve, repeats, escalations,
per area, organisation, mediator, type and colour; the Excel export."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from civicgrid.disputes import numbers
from civicgrid.disputes.models import Dispute
from civicgrid.disputes.services import grading
from civicgrid.disputes.services import mediation as steps

pytestmark = pytest.mark.django_db


@pytest.fixture
def hand_built(world, mediation, receive):
    """Town A: 4 disputes — 2 agreed (after 4 and 6 days), 1 no agreement, 1 open and escalated
    with repeat petitions. Town B: 1 dispute."""
    now = timezone.now()
    made = []
    for days_ago, took in ((20, 4), (20, 6)):
        d = receive(now=now - timedelta(days=days_ago))
        steps.route(dispute=d, organisation_id=mediation.community_committee.pk, by=world.staff, version=d.flow.version)  # fmt: skip
        steps.assign_mediator(dispute=d, mediator_id=mediation.community_mediator.pk, by=world.staff, version=d.flow.version)  # fmt: skip
        when = d.received_at + timedelta(days=took)
        steps.record_agreement(
            dispute=d, by=mediation.community_mediator, version=d.flow.version, disputed_issues="x",
            content="y", performance_method="z", performance_deadline=timezone.localdate(when) + timedelta(days=5),
            effective_on=timezone.localdate(when), now=when,
        )  # fmt: skip
        made.append(d)
    failed = receive(dispute_type="labour")
    steps.route(dispute=failed, organisation_id=mediation.town_committee.pk, by=world.staff, version=failed.flow.version)  # fmt: skip
    steps.assign_mediator(dispute=failed, mediator_id=mediation.mediator.pk, by=world.staff, version=failed.flow.version)  # fmt: skip
    steps.record_no_agreement(dispute=failed, by=mediation.mediator, version=failed.flow.version, next_channel="arbitration")  # fmt: skip
    escalated = receive(repeat_petitions=1)
    grading.change_facts(dispute=escalated, by=world.staff, version=escalated.flow.version, reason="群体", people_involved=12)  # fmt: skip
    receive(by=world.outsider, region_code="320113003001001001")
    return made, failed, escalated


def test_the_county_totals_and_rows_by_town(world, hand_built):
    data = numbers.report(world.county_operator, by="area")
    totals = data["totals"]
    assert (totals["received"], totals["resolved"], totals["failed"]) == (5, 2, 1)
    assert totals["rate"] == pytest.approx(66.7)
    assert totals["avg_days"] == pytest.approx(5.0)
    assert (totals["repeats"], totals["escalated"]) == (1, 1)
    rows = {r["key"]: r for r in data["rows"]}
    assert rows["320113002"]["received"] == 4 and rows["320113002"]["label"] == "尧化街道"
    assert rows["320113003"]["received"] == 1
    types = {r["key"]: r["received"] for r in data["by_type"]}
    assert types == {"neighbour": 4, "labour": 1}
    colours = {r["key"]: r["received"] for r in data["by_colour"]}
    assert colours == {"blue": 4, "orange": 1}


def test_by_organisation_and_mediator(world, mediation, hand_built):
    orgs = {r["label"]: r for r in numbers.report(world.county_operator, by="organisation")["rows"]}
    assert orgs["尧化门社区人民调解委员会"]["resolved"] == 2
    assert orgs["尧化门社区人民调解委员会"]["rate"] == 100.0
    assert orgs["尧化街道人民调解委员会"]["rate"] == 0.0
    people = {r["key"]: r for r in numbers.report(world.county_operator, by="mediator")["rows"]}
    assert people[mediation.community_mediator.pk]["avg_days"] == pytest.approx(5.0)


def test_a_town_sees_only_its_own_and_the_cases_behind_a_number_list(world, hand_built, as_user):
    data = numbers.report(world.town_operator)
    assert data["totals"]["received"] == 4
    listed = as_user(world.town_operator).get("/api/v1/disputes/cases?dispute_type=labour&state=referred").json()  # fmt: skip
    assert listed["count"] == 1
    assert as_user(world.town_operator).get("/api/v1/disputes/numbers?area=320113003").status_code == 404  # fmt: skip


def test_the_excel_export_has_the_same_numbers(world, hand_built, as_user):
    response = as_user(world.leader).get(
        "/api/v1/disputes/numbers.xlsx?by=area", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[-1][:4] == ("total", 5, 2, 1)
    assert Dispute.all_objects.count() == 5


def test_grid_workers_do_not_read_the_numbers(world, as_user):
    assert as_user(world.grid_worker).get("/api/v1/disputes/numbers").status_code == 403
