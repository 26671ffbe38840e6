"""Re-grading when facts change, and in one batch after a rule change: every change keeps its
reasons, moves the deadline and the level, and red alerts the town and county."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.core.actor import SYSTEM
from civicgrid.core.errors import Conflict, DomainError
from civicgrid.disputes import rules
from civicgrid.disputes.models import Dispute, GradeChange, Suggestion
from civicgrid.disputes.services import grading
from civicgrid.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_more_people_turn_a_blue_dispute_orange_and_the_change_keeps_its_reason(world, receive):
    dispute = receive()
    assert dispute.colour == "blue"
    grading.change_facts(dispute=dispute, by=world.staff, version=dispute.flow.version, reason="又有8户加入", people_involved=12)  # fmt: skip
    dispute.refresh_from_db()
    assert dispute.colour == "orange"
    assert dispute.level == 1  # the town handles it now
    assert dispute.escalations == 1
    change = GradeChange.objects.filter(dispute=dispute).last()
    assert (change.from_colour, change.to_colour) == ("blue", "orange")
    assert change.cause == "又有8户加入"
    assert [r["code"] for r in change.reasons] == ["people_10", "people_5"]
    assert change.facts["people_involved"] == 12
    assert dispute.flow.priority == 2
    assert (dispute.due_at - dispute.received_at).days == 7


def test_a_threat_turns_it_red_and_alerts_town_and_county(world, receive):
    dispute = receive()
    Notification.objects.all().delete()
    grading.change_facts(dispute=dispute, by=world.staff, version=dispute.flow.version, reason="扬言报复", threat_violence=True)  # fmt: skip
    alerted = set(Notification.objects.filter(code="disputes.red_alert").values_list("user__username", flat=True))  # fmt: skip
    assert {"tom_town", "carol_county"} <= alerted


def test_a_calmer_fact_lowers_the_colour_with_its_own_record(world, receive):
    dispute = receive(people_involved=12)
    grading.change_facts(dispute=dispute, by=world.staff, version=dispute.flow.version, reason="核实仅2人", people_involved=2)  # fmt: skip
    dispute.refresh_from_db()
    assert dispute.colour == "blue"
    assert list(GradeChange.objects.filter(dispute=dispute).values_list("to_colour", flat=True)) == ["orange", "blue"]  # fmt: skip


def test_a_fact_change_that_keeps_the_colour_adds_no_grade_change(world, receive):
    dispute = receive(amount=60000)
    grading.change_facts(dispute=dispute, by=world.staff, version=dispute.flow.version, reason="补充", amount=70000)  # fmt: skip
    assert GradeChange.objects.filter(dispute=dispute).count() == 1


def test_a_stale_version_or_unknown_fact_changes_nothing(world, receive):
    dispute = receive()
    with pytest.raises(Conflict):
        grading.change_facts(dispute=dispute, by=world.staff, version=99, reason="x", people_involved=40)  # fmt: skip
    with pytest.raises(DomainError) as raised:
        grading.change_facts(dispute=dispute, by=world.staff, version=dispute.flow.version, reason="x", colour="red")  # fmt: skip
    assert raised.value.code == "disputes.unknown_fact"
    dispute = Dispute.all_objects.get(pk=dispute.pk)
    assert (dispute.colour, dispute.people_involved) == ("blue", 2)


def test_the_batch_regrades_after_a_rule_change_like_one_at_a_time(world, receive, mediation):
    calm, big = receive(), receive(amount=120000)
    document = rules.default_document()
    for rule in document["rules"]:
        if rule["code"] == "amount_200k":
            rule["value"] = 100000
    rules.activate(name="十万元即橙色", document=document)
    result = grading.regrade_all(by=SYSTEM)
    assert (result.graded, result.changed) == (2, 1)
    big.refresh_from_db()
    assert big.colour == "orange"
    assert big.flow.priority == 2
    assert (big.due_at - big.received_at).days == 7
    change = GradeChange.objects.filter(dispute=big).last()
    assert (change.from_colour, change.to_colour, change.reasons[0]["code"]) == ("yellow", "orange", "amount_200k")  # fmt: skip
    # Waiting disputes get the organisation routing suggests.
    assert Suggestion.objects.get(dispute=calm).organisation_id == mediation.community_committee.pk
    assert Suggestion.objects.get(dispute=big).organisation_id == mediation.town_committee.pk
    assert calm.organisation_id is None  # routing itself is the desk's decision


def test_the_daily_sweep_turns_a_dispute_left_open_for_a_month_yellow(world, receive):
    dispute = receive(now=timezone.now() - timedelta(days=31))
    assert dispute.colour == "blue"
    grading.sweep_days_open()
    dispute.refresh_from_db()
    assert dispute.colour == "yellow"
    assert dispute.colour_reasons[0]["code"] == "open_30"


def test_only_rule_keepers_run_the_batch(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        grading.regrade_all(by=world.county_operator)


def test_a_second_batch_keeps_the_suggestions_that_did_not_change(world, receive, mediation):
    calm, big = receive(), receive(amount=120000)
    grading.regrade_all(by=SYSTEM, now=timezone.now() - timedelta(hours=1))
    first = {s.dispute_id: (s.organisation_id, s.at) for s in Suggestion.objects.all()}
    Suggestion.objects.filter(dispute=calm).update(organisation=mediation.town_b_committee)  # stale
    grading.regrade_all(by=SYSTEM)
    now = {s.dispute_id: (s.organisation_id, s.at) for s in Suggestion.objects.all()}
    assert now[big.pk] == first[big.pk]  # the same suggestion, not rewritten
    assert now[calm.pk][0] == first[calm.pk][0] != mediation.town_b_committee.pk
    assert now[calm.pk][1] > first[calm.pk][1]
    grading.regrade_all(by=SYSTEM, ids=[calm.pk], route=False)  # nothing suggested for calm now
    assert set(Suggestion.objects.values_list("dispute_id", flat=True)) == {big.pk}


def test_the_batch_times_its_phases_and_the_parts_of_its_write(world, receive):
    receive()
    result = grading.regrade_all(by=SYSTEM)
    assert set(result.seconds) == {"read", "grade_route", "write", "count"}
    assert set(result.write_seconds) == {"grades", "suggestions", "grade_changes"}
