"""The grade lives in a narrow table of its own (DisputeGrade): every reader of a dispute's
colour, level and deadline gets it from there, the batch writes only there (and only what
changed), and grades a dispute exactly as a single re-grade would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.utils import timezone

from civicgrid.core.actor import SYSTEM
from civicgrid.disputes import counts, rules
from civicgrid.disputes.models import Dispute, DisputeCount, DisputeGrade, GradeChange, Suggestion
from civicgrid.disputes.services import grading

pytestmark = pytest.mark.django_db


def _lower_the_amount_threshold() -> None:
    document = rules.default_document()
    for rule in document["rules"]:
        if rule["code"] == "amount_200k":
            rule["value"] = 100000
    rules.activate(name="十万元即橙色", document=document)


def test_the_dispute_row_holds_no_grade_and_every_reader_gets_it_from_the_grade_row(world, receive, as_user):  # fmt: skip
    dispute = receive()
    for name in ("colour", "colour_reasons", "level", "due_at", "escalations"):
        with pytest.raises(FieldDoesNotExist):
            Dispute._meta.get_field(name)
    assert DisputeGrade.objects.get(dispute=dispute).colour == "blue"
    # Changed on the grade row alone, the red shows on the dispute, its page, list and API.
    DisputeGrade.objects.filter(dispute=dispute).update(colour="red", level=2)
    assert Dispute.all_objects.get(pk=dispute.pk).colour == "red"
    client = as_user(world.staff)
    assert "colour-red" in client.get(f"/disputes/{dispute.number}/").content.decode()
    assert dispute.number in client.get("/disputes/?colour=red").content.decode()
    assert dispute.number not in client.get("/disputes/?colour=blue").content.decode()
    case = client.get(f"/api/v1/disputes/cases/{dispute.number}").json()
    assert (case["colour"], case["level"]) == ("red", 2)


def test_a_list_reads_the_grades_with_the_disputes(world, receive, as_user, django_assert_max_num_queries):  # fmt: skip
    for _ in range(3):
        receive()
    client = as_user(world.staff)
    client.get("/disputes/")  # warm (session, rules)
    with django_assert_max_num_queries(30) as few:
        client.get("/disputes/")
    for _ in range(5):
        receive()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/disputes/")  # five more disputes, not one query more


def test_the_batch_grades_a_dispute_exactly_as_a_single_regrade_does(world, receive):
    by_batch, one_at_a_time = receive(amount=120000), receive(amount=120000)
    seen_before = by_batch.flow.due_at - by_batch.flow.stage_started_at
    _lower_the_amount_threshold()
    grading.regrade_all(by=SYSTEM, ids=[by_batch.pk])
    grading.change_facts(dispute=one_at_a_time, by=world.staff, version=one_at_a_time.flow.version, reason="rules applied again")  # fmt: skip

    def seen(dispute: Dispute) -> tuple:
        d = Dispute.all_objects.select_related("grade", "flow").get(pk=dispute.pk)
        change = GradeChange.objects.filter(dispute=d).last()
        return (
            d.colour, d.colour_reasons, d.level, d.due_at - d.received_at, d.follow_up_days,
            d.follow_ups_required, d.escalations, d.flow.priority,
            # The current stage's deadline moves with the colour, in the batch too.
            d.flow.due_at - d.flow.stage_started_at, d.flow.due_soon_at - d.flow.stage_started_at,
            d.flow.overdue,
            change.from_colour, change.to_colour, change.reasons, change.rule_set_id,
        )  # fmt: skip

    assert seen(by_batch) == seen(one_at_a_time)
    assert seen(by_batch)[:3] == ("orange", seen(by_batch)[1], 1)
    assert seen(by_batch)[6] == 1  # the town handles it now: one escalation
    assert seen(by_batch)[8] != seen_before  # and the stage's deadline did move


def test_a_batch_that_changes_no_colour_writes_nothing(world, receive, mediation):
    calm, big = receive(), receive(amount=120000)
    _lower_the_amount_threshold()
    assert grading.regrade_all(by=SYSTEM).changed == 1
    before = (
        list(DisputeGrade.objects.order_by("pk").values()),
        list(GradeChange.objects.order_by("pk").values_list("pk", flat=True)),
        list(Suggestion.objects.order_by("pk").values()),
        sorted(DisputeCount.objects.values_list("area", "colour", "received", "escalated", "red")),
    )
    again = grading.regrade_all(by=SYSTEM, now=timezone.now() + timedelta(minutes=5))
    assert (again.graded, again.changed) == (2, 0)
    after = (
        list(DisputeGrade.objects.order_by("pk").values()),
        list(GradeChange.objects.order_by("pk").values_list("pk", flat=True)),
        list(Suggestion.objects.order_by("pk").values()),
        sorted(DisputeCount.objects.values_list("area", "colour", "received", "escalated", "red")),
    )
    assert after == before  # not a row rewritten (the suggestions keep their time too)
    assert {s.dispute_id for s in Suggestion.objects.all()} == {calm.pk, big.pk}


def test_the_counts_follow_the_grade_row(world, receive):
    dispute = receive(amount=120000)
    _lower_the_amount_threshold()
    grading.regrade_all(by=SYSTEM)
    live = sorted((r.grain, r.area, r.colour, r.received, r.escalated) for r in DisputeCount.objects.all())  # fmt: skip
    counted = sorted((r.grain, r.area, r.colour, r.received, r.escalated) for r in counts.counted_from_disputes())  # fmt: skip
    assert live == counted
    assert {(r[2], r[4]) for r in live} == {("orange", 1)}
    assert counts.stored_facts(dispute.pk)["colour"] == "orange"


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_every_grade_over_and_back(world, receive):
    from django.db.migrations.executor import MigrationExecutor

    from civicgrid.disputes.models import DisputeType

    # A transactional test before this one may have flushed the types the migrations load.
    DisputeType.objects.get_or_create(code="neighbour", defaults={"name": "邻里纠纷"})
    dispute = receive(amount=120000)  # yellow, handled by the community
    due = dispute.due_at
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("disputes", "0004_regrade_updates_without_index")])
        with connection.cursor() as cursor:
            cursor.execute("SELECT colour, level, follow_up_days FROM disputes_dispute WHERE id = %s", [dispute.pk])  # fmt: skip
            assert cursor.fetchone() == ("yellow", 0, dispute.follow_up_days)
            cursor.execute("UPDATE disputes_dispute SET colour = 'red', level = 2, escalations = 1 WHERE id = %s", [dispute.pk])  # fmt: skip
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    grade = DisputeGrade.objects.get(dispute_id=dispute.pk)
    assert (grade.colour, grade.level, grade.escalations, grade.due_at) == ("red", 2, 1, due)


def test_a_dispute_regraded_while_the_batch_ran_keeps_that_grade(world, receive, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the batch's compare-and-set is PostgreSQL's (SQLite has one writer)")
    big = receive(amount=120000)  # yellow
    _lower_the_amount_threshold()  # the batch will make it orange
    read = grading._arrays

    def read_then_someone_regrades(ids):
        data = read(ids)
        d = Dispute.all_objects.get(pk=big.pk)
        grading.change_facts(dispute=d, by=world.staff, version=d.flow.version, reason="扬言动手", threat_violence=True)  # fmt: skip
        return data

    monkeypatch.setattr(grading, "_arrays", read_then_someone_regrades)
    grading.regrade_all(by=SYSTEM)
    big = Dispute.all_objects.select_related("grade", "flow").get(pk=big.pk)
    assert (big.colour, big.flow.priority) == ("red", 3)
    assert not GradeChange.objects.filter(dispute=big, to_colour="orange").exists()
    live = sorted((r.grain, r.area, r.month, r.dispute_type, r.colour, r.received, r.red) for r in DisputeCount.objects.all())  # fmt: skip
    counted = sorted((r.grain, r.area, r.month, r.dispute_type, r.colour, r.received, r.red) for r in counts.counted_from_disputes())  # fmt: skip
    assert live == counted


def test_the_old_grade_columns_stay_until_a_later_release_so_running_instances_keep_working(world):
    # Expand now, contract later (docs/operations.md, "Upgrading without dropping requests"):
    # an instance of the previous release, still running during the roll, reads these columns.
    with connection.cursor() as cursor:
        columns = {
            c.name: c.null_ok
            for c in connection.introspection.get_table_description(cursor, "disputes_dispute")
        }
    for name in ("colour", "colour_reasons", "level", "due_at", "escalations"):
        assert columns[name] is True, name
