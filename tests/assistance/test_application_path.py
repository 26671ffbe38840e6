"""The approval path with a frozen clock: intake → home visit → town review → 7-day notice
with objections → county approval; and what is refused on the way."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from civicgrid.assistance import loop
from civicgrid.assistance.models import Application
from civicgrid.assistance.services import applications as apps
from civicgrid.assistance.services.applications import ItemIn, MemberIn
from civicgrid.assistance.services.verification import verify_many
from civicgrid.core.audit import describe
from civicgrid.core.errors import DomainError
from civicgrid.core.models import AuditEntry
from civicgrid.people.models import ResidentTag
from tests.assistance.conftest import WEDNESDAY

WAGES_6000 = ItemIn("income", "wages", 600_000)


def walk_to_review(application, world, civil, now=WEDNESDAY):
    apps.accept(application=application, by=world.staff, version=1, now=now)
    apps.record_visit(
        application=application, visit="两位老人同住，房屋老旧", by=world.grid_worker, version=2,
        now=now + timedelta(days=1),
    )  # fmt: skip
    verify_many(applications=[application], by=civil["town"], now=now + timedelta(days=2))
    application.flow.refresh_from_db()
    return application


def test_the_whole_path_from_window_to_county_approval(world, civil, apply):
    application = apply(items=[WAGES_6000])
    assert application.region_id == world.micro_a1.code
    assert application.flow.state == loop.RECEIVED
    # 30 working days from a Wednesday 09:00 (7.5 h a day): six weeks later, Wednesday 09:00.
    assert application.due_at.date() == date(2024, 9, 18)
    walk_to_review(application, world, civil)
    apps.propose(application=application, by=civil["town"], version=application.flow.version,
                 now=WEDNESDAY + timedelta(days=3))  # fmt: skip
    # 2 members, wages 6,000 a year: 6,000 / 12 / 2 = 250; (1,050 − 250) × 2 = 1,600 a month.
    assert application.decision["per_capita_fen"] == 25_000
    assert application.decision["total_monthly_fen"] == 160_000
    notice_start = WEDNESDAY + timedelta(days=3)

    # Six days and 23 hours later the notice still runs: nothing may be decided.
    with pytest.raises(DomainError) as err:
        apps.close_notice(application=application, by=civil["town"],
                          version=application.flow.version,
                          now=notice_start + timedelta(days=6, hours=23))  # fmt: skip
    assert err.value.code == "assistance.notice_running"

    # An objection while the notice is up blocks closing until it is settled.
    objection = apps.record_objection(
        application=application, text="邻居反映其子在外地工作", by=world.grid_worker,
        now=notice_start + timedelta(days=2),
    )  # fmt: skip
    with pytest.raises(DomainError) as err:
        apps.close_notice(
            application=application,
            by=civil["town"],
            version=application.flow.version,
            now=notice_start + timedelta(days=7),
        )
    assert err.value.code == "assistance.open_objections"
    apps.resolve_objection(objection=objection, resolution="核实：其子已分户", by=civil["town"])

    apps.close_notice(
        application=application,
        by=civil["town"],
        version=application.flow.version,
        now=notice_start + timedelta(days=7),
    )
    assert application.flow.state == loop.COUNTY_APPROVAL

    # The town's civil-affairs officer may not approve; the county's does.
    with pytest.raises(DomainError) as err:
        apps.approve(
            application=application,
            by=civil["town"],
            version=application.flow.version,
            now=notice_start + timedelta(days=8),
        )
    assert err.value.code == "assistance.county_only"
    apps.approve(
        application=application,
        by=civil["county"],
        version=application.flow.version,
        now=notice_start + timedelta(days=8),
    )
    application.refresh_from_db()
    assert application.flow.state == loop.APPROVED
    assert application.payment == Application.Payment.ACTIVE
    assert application.monthly_fen == 160_000
    # The register now knows both are covered by the minimum living guarantee; other tags stay.
    tags = {(t.resident_id, t.tag, t.kind) for t in ResidentTag.all_objects.all()}
    assert (world.resident.pk, "low_income", "dibao") in tags
    assert (world.spouse.pk, "low_income", "dibao") in tags
    assert (world.resident.pk, "veteran", "") in tags
    codes = set(
        AuditEntry.objects.filter(object_id=str(application.pk)).values_list("action", flat=True)
    )
    assert {
        "assistance.application.received",
        "assistance.verification.queried",
        "assistance.decision.proposed",
        "assistance.decision.approved",
    } <= codes
    assert describe("assistance.decision.approved") != "assistance.decision.approved"


def test_nothing_is_decided_before_verification(world, civil, apply):
    application = apply()
    apps.accept(application=application, by=world.staff, version=1, now=WEDNESDAY)
    apps.record_visit(
        application=application, visit="已入户", by=world.staff, version=2, now=WEDNESDAY
    )
    with pytest.raises(DomainError) as err:
        apps.propose(application=application, by=civil["town"], version=3, now=WEDNESDAY)
    assert err.value.code == "assistance.not_verified"
    application.refresh_from_db()
    assert application.decision == {} and application.flow.state == loop.TOWN_REVIEW


def test_a_source_that_answers_garbage_leaves_the_application_waiting(world, civil, apply, sources):
    sources["banks"].fail = "garbage"
    application = walk_to_review(apply(), world, civil)
    assert application.verification == Application.Verification.INCOMPLETE
    run = application.verifications.get()
    assert run.report["incomplete"] == ["banks"]
    with pytest.raises(DomainError):
        apps.propose(application=application, by=civil["town"], version=application.flow.version)


def test_a_source_that_times_out_leaves_the_application_waiting(world, civil, apply, sources):
    sources["tax"].fail = "hang"
    application = walk_to_review(apply(), world, civil)
    assert application.verification == Application.Verification.INCOMPLETE
    assert application.verifications.get().report["sources"]["tax"]["error"] == "timed out"


def test_verification_lists_every_difference_from_the_declaration(world, civil, apply, sources):
    # Declared no wages and no car; the sources know wages of 6,000 and one car.
    from civicgrid.assistance.adapters import Finding

    sources["vehicles"].findings = [
        Finding(world.spouse.id_number, "asset:vehicle", 8_000_000, "苏A12345")
    ]
    application = walk_to_review(apply(), world, civil)
    report = application.verifications.get().report
    assert {
        (d["kind"], d["declared"], d["verified"], d["source"]) for d in report["differences"]
    } == {
        ("income:wages", 0, 600_000, "hrss"),
        ("asset:vehicle", 0, 1, "vehicles"),
    }
    # The decision is taken on the verified figures: the car rules out the minimum guarantee.
    apps.propose(
        application=application,
        by=civil["town"],
        version=application.flow.version,
        now=WEDNESDAY + timedelta(days=3),
    )
    dibao = next(r for r in application.decision["results"] if r["programme"] == "dibao")
    assert not dibao["eligible"]


def test_another_towns_staff_may_register_it_and_it_goes_to_the_responsible_town(world, apply):
    application = apply(by=world.outsider, channel="grid")
    assert application.region_id == world.micro_a1.code  # the household's area, not theirs
    assert application.received_region_code == world.outsider.region_code
    entry = AuditEntry.objects.get(
        object_type="assistance.application", object_id=str(application.pk)
    )
    assert entry.action == "assistance.application.received_elsewhere"
    assert entry.actor == world.outsider


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"items": [ItemIn("income", "wages", -1)]}, "assistance.negative_amount"),
        ({"items": [ItemIn("income", "lottery", 1)]}, "assistance.unknown_item"),
        ({"members": [MemberIn(resident_id=999_999)]}, "assistance.unknown_member"),
        ({"month": date(2024, 9, 1)}, "assistance.future_month"),
        ({"month": date(2019, 1, 1)}, "assistance.no_standard"),
        ({"bank_account": "12ab"}, "assistance.bad_account"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(world, apply, kw, code):
    with pytest.raises(DomainError) as err:
        apply(**kw)
    assert err.value.code == code
    assert not Application.all_objects.exists()


def test_an_item_of_someone_outside_the_application_is_refused(world, apply):
    with pytest.raises(DomainError) as err:
        apply(
            members=[MemberIn(world.resident.pk)],
            items=[ItemIn("income", "wages", 1, world.spouse.pk)],
        )
    assert err.value.code == "assistance.unknown_member"


def test_one_open_application_per_household(world, apply):
    apply()
    with pytest.raises(DomainError) as err:
        apply()
    assert err.value.code == "assistance.already_open"


def test_the_leader_may_not_register_an_application(world, apply):
    with pytest.raises(PermissionDenied):
        apply(by=world.leader)


def test_refusal_needs_a_reason(world, civil, apply):
    application = apply()
    with pytest.raises(DomainError):
        apps.refuse(application=application, reason=" ", by=civil["town"], version=1)
    apps.refuse(application=application, reason="家庭收入超标", by=civil["town"], version=1)
    assert application.flow.state == loop.REFUSED


def test_a_june_application_is_decided_with_the_june_standard(world, civil, apply):
    # Same household, month June 2024: Nanjing's standard was 1,000 until 30 June.
    # (1,000 − 6,000 / 12 / 2) × 2 = 1,500 a month.
    application = apply(items=[WAGES_6000], month=date(2024, 6, 1))
    walk_to_review(application, world, civil)
    apps.propose(application=application, by=civil["town"], version=application.flow.version,
                 now=WEDNESDAY + timedelta(days=3))  # fmt: skip
    assert application.decision["standard_fen"] == 100_000
    assert application.decision["total_monthly_fen"] == 150_000
