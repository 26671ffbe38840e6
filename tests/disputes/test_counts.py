"""The dispute counts kept in each change's transaction equal a recount from the disputes after a
varied story; a province's or city's numbers read from them equal the numbers read from the
disputes."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from civicgrid.accounts.roles import Role
from civicgrid.core.actor import SYSTEM
from civicgrid.disputes import counts, numbers, rules
from civicgrid.disputes.models import DisputeCount, FollowUp
from civicgrid.disputes.services import followup, grading
from civicgrid.disputes.services import mediation as steps
from tests import factories as f

pytestmark = pytest.mark.django_db


def _live() -> dict:
    return {
        (r.grain, r.area, r.month, r.dispute_type, r.colour): [getattr(r, c) for c in counts.COUNTERS]
        for r in DisputeCount.objects.all()
        if any(getattr(r, c) for c in counts.COUNTERS)
    }  # fmt: skip


def _recounted() -> dict:
    return {
        (r.grain, r.area, r.month, r.dispute_type, r.colour): [getattr(r, c) for c in counts.COUNTERS]
        for r in counts.counted_from_disputes()
    }  # fmt: skip


def _v(dispute):
    return dispute.flow.version


@pytest.fixture
def story(world, mediation, receive):
    """Disputes received over three months, re-graded, routed, mediated to every outcome,
    followed up, closed, reopened; then a rule change graded in one batch."""
    now = timezone.now()
    town = mediation.town_committee
    old = receive(now=now - timedelta(days=70), repeat_petitions=2)
    grading.change_facts(dispute=old, by=world.staff, version=_v(old), reason="人数增加", people_involved=12)  # fmt: skip
    assert _live() == _recounted()
    agreed = receive(now=now - timedelta(days=40), dispute_type="labour")
    steps.route(dispute=agreed, organisation_id=town.pk, by=world.staff, version=_v(agreed))
    steps.assign_mediator(dispute=agreed, mediator_id=mediation.mediator.pk, by=world.staff, version=_v(agreed))  # fmt: skip
    steps.record_agreement(
        dispute=agreed, by=mediation.mediator, version=_v(agreed), disputed_issues="工资",
        content="支付工资", performance_method="转账", now=now - timedelta(days=33),
        performance_deadline=timezone.localdate() + timedelta(days=5), effective_on=timezone.localdate() - timedelta(days=33),
    )  # fmt: skip
    assert _live() == _recounted()
    for visit in FollowUp.objects.filter(dispute=agreed):
        followup.record_follow_up(follow_up=visit, performance="performed", note="已付清", by=mediation.mediator)  # fmt: skip
    followup.close(dispute=agreed, by=world.town_operator, version=_v(agreed))
    followup.reopen(dispute=agreed, by=world.town_operator, version=_v(agreed), reason="反悔")
    assert _live() == _recounted()
    failed = receive()
    steps.route(dispute=failed, organisation_id=town.pk, by=world.staff, version=_v(failed))
    steps.assign_mediator(dispute=failed, mediator_id=mediation.mediator.pk, by=world.staff, version=_v(failed))  # fmt: skip
    steps.record_no_agreement(dispute=failed, by=mediation.mediator, version=_v(failed), next_channel="litigation")  # fmt: skip
    gone = receive(threat_violence=True)
    steps.withdraw(dispute=gone, by=world.staff, version=_v(gone), reason="撤回")
    receive(by=world.outsider, region_code="320113003001001001", amount="60000")
    assert _live() == _recounted()
    document = rules.default_document()
    for rule in document["rules"]:
        if rule["code"] == "people_10":
            rule["value"] = 1
    rules.activate(name="lower", document=document)
    grading.regrade_all(by=SYSTEM, ids=[old.pk, agreed.pk])  # a few: their counts move
    assert _live() == _recounted()
    grading.regrade_all(by=SYSTEM)  # all: a recount
    return now


def test_the_live_counts_equal_a_recount_after_a_varied_story(story):
    assert _live() == _recounted()
    assert sum(v[0] for k, v in _live().items() if k[0] == 4) == 5


def test_a_recount_repairs_counts_gone_wrong(story):
    DisputeCount.objects.update(received=99)
    counts.rebuild()
    assert _live() == _recounted()


def test_a_province_and_a_city_read_from_the_counts_what_the_disputes_say(story, monkeypatch):
    province = f.user("su_leader", Role.LEADER, "32")
    city = f.user("ning_leader", Role.LEADER, "3201")
    since = timezone.localdate() - timedelta(days=100)
    for user in (province, city):
        counted = numbers.report(user, since=since)
        by_type = numbers.report(user, since=since, by="type")
        monkeypatch.setattr(counts, "GRAINS", ())  # every number from the disputes
        assert numbers.report(user, since=since) == counted
        assert numbers.report(user, since=since, by="type") == by_type
        monkeypatch.undo()
    assert counted["totals"]["received"] == 5
    assert (counted["totals"]["resolved"], counted["totals"]["failed"]) == (0, 1)  # reopened


def test_the_recount_command(story):
    from django.core.management import call_command

    DisputeCount.objects.all().delete()
    call_command("recount_disputes", stdout=io.StringIO())
    assert _live() == _recounted()


def test_a_period_running_to_today_reads_its_last_month_from_the_counts(story, monkeypatch):
    city = f.user("ning_leader", Role.LEADER, "3201")
    this_month = timezone.localdate().replace(day=1)
    before = numbers.report(city, since=this_month)["totals"]["received"]
    one = DisputeCount.objects.filter(grain=6, month=this_month).first()
    DisputeCount.objects.filter(pk=one.pk).update(received=F("received") + 100)
    assert numbers.report(city, since=this_month)["totals"]["received"] == before + 100


def test_a_period_ending_before_today_reads_its_last_days_from_the_disputes(story, monkeypatch):
    city = f.user("ning_leader", Role.LEADER, "3201")
    since, until = timezone.localdate() - timedelta(days=100), timezone.localdate() - timedelta(days=35)  # fmt: skip
    counted = numbers.report(city, since=since, until=until)
    monkeypatch.setattr(counts, "GRAINS", ())  # every number from the disputes
    assert numbers.report(city, since=since, until=until) == counted
    assert counted["totals"]["received"] == 2  # received 70 and 40 days ago
