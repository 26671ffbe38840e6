"""Routing, assigning, sessions, outcomes, follow-ups, closing and reopening through the services,
with the bad input the issue names."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from civicgrid.core.errors import Conflict, DomainError
from civicgrid.disputes.models import Agreement, Dispute, FollowUp, Session
from civicgrid.disputes.services import followup
from civicgrid.disputes.services import mediation as steps
from civicgrid.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _v(dispute):
    return dispute.flow.version


@pytest.fixture
def mediating(world, mediation, receive):
    """A dispute routed to town A's committee with its mediator assigned."""
    dispute = receive(people_involved=12)
    steps.route(dispute=dispute, organisation_id=mediation.town_committee.pk, by=world.town_operator, version=_v(dispute))  # fmt: skip
    steps.assign_mediator(dispute=dispute, mediator_id=mediation.mediator.pk, by=world.town_operator, version=_v(dispute))  # fmt: skip
    return dispute


def _agree(dispute, by, **kw):
    today = timezone.localdate()
    fields = dict(disputed_issues="漏水赔偿数额", content="李四赔偿张三3000元", performance_method="银行转账",
                  performance_deadline=today + timedelta(days=10), effective_on=today)  # fmt: skip
    return steps.record_agreement(dispute=dispute, by=by, version=_v(dispute), **(fields | kw))


def test_routing_tells_the_organisation_and_assigning_tells_the_mediator(world, mediation, mediating):  # fmt: skip
    assert mediating.flow.state == "mediating"
    assert mediating.mediator == mediation.mediator
    codes = set(Notification.objects.filter(user=mediation.mediator).values_list("code", flat=True))
    assert {"disputes.routed", "disputes.assigned"} <= codes


def test_an_organisation_that_does_not_take_the_type_is_refused(world, mediation, receive):
    dispute = receive()
    with pytest.raises(DomainError) as raised:
        steps.route(dispute=dispute, organisation_id=mediation.labour_committee.pk, by=world.staff, version=_v(dispute))  # fmt: skip
    assert raised.value.code == "disputes.organisation_cannot_take"


def test_a_mediator_of_another_organisation_or_area_is_refused(world, mediation, receive):
    dispute = receive()
    steps.route(dispute=dispute, organisation_id=mediation.town_committee.pk, by=world.staff, version=_v(dispute))  # fmt: skip
    with pytest.raises(DomainError) as raised:
        steps.assign_mediator(dispute=dispute, mediator_id=mediation.other_mediator.pk, by=world.staff, version=_v(dispute))  # fmt: skip
    assert raised.value.code == "disputes.mediator_not_in_organisation"
    # A member of the committee registered outside its area (town B) is refused too.
    stray = mediation.other_mediator
    stray.organisation = mediation.town_committee
    stray.save()
    with pytest.raises(DomainError) as raised:
        steps.assign_mediator(dispute=dispute, mediator_id=stray.pk, by=world.staff, version=_v(dispute))  # fmt: skip
    assert raised.value.code == "disputes.mediator_outside_area"


def test_a_session_in_the_past_is_refused(world, mediation, mediating):
    with pytest.raises(DomainError) as raised:
        steps.schedule_session(dispute=mediating, starts_at=timezone.now() - timedelta(hours=1), mode="in_person", place="调解室", by=mediation.mediator)  # fmt: skip
    assert raised.value.code == "disputes.session_in_past"
    assert not Session.objects.exists()


def test_only_the_organisations_mediators_mediate(world, mediation, mediating):
    with pytest.raises(DomainError) as raised:
        steps.schedule_session(dispute=mediating, starts_at=timezone.now() + timedelta(days=1), mode="online", place="https://meet/1", by=mediation.other_mediator)  # fmt: skip
    assert raised.value.code == "disputes.not_your_case"
    with pytest.raises(PermissionDenied):
        _agree(mediating, world.town_operator)


def test_a_session_is_planned_then_recorded_once_held(world, mediation, mediating):
    now = timezone.now()
    session = steps.schedule_session(dispute=mediating, starts_at=now + timedelta(hours=2), mode="in_person", place="街道调解室", by=mediation.mediator, now=now)  # fmt: skip
    with pytest.raises(DomainError) as raised:
        steps.record_session(session=session, record="x", attendees="", by=mediation.mediator, now=now)  # fmt: skip
    assert raised.value.code == "disputes.session_not_held"
    steps.record_session(session=session, record="双方陈述意见", attendees="张三、李四", by=mediation.mediator, now=now + timedelta(hours=3))  # fmt: skip
    assert Session.objects.get().held_at is not None


def test_dates_out_of_order_are_refused_and_nothing_is_written(world, mediation, mediating):
    today = timezone.localdate()
    with pytest.raises(DomainError) as raised:
        _agree(mediating, mediation.mediator, performance_deadline=today - timedelta(days=1))
    assert raised.value.code == "disputes.bad_dates"
    with pytest.raises(DomainError):
        _agree(mediating, mediation.mediator, effective_on=today + timedelta(days=3))
    assert not Agreement.objects.exists()
    assert Dispute.all_objects.get(pk=mediating.pk).flow.state == "mediating"


def test_no_agreement_needs_the_next_channel_and_ends_the_case(world, mediation, mediating):
    with pytest.raises(DomainError):
        steps.record_no_agreement(dispute=mediating, by=mediation.mediator, version=_v(mediating), next_channel="prayer")  # fmt: skip
    steps.record_no_agreement(dispute=mediating, by=mediation.mediator, version=_v(mediating), next_channel="litigation", note="建议起诉")  # fmt: skip
    assert (mediating.flow.state, mediating.outcome, mediating.next_channel) == ("referred", "no_agreement", "litigation")  # fmt: skip


def test_a_withdrawal_ends_the_case(world, mediation, mediating):
    steps.withdraw(dispute=mediating, by=mediation.mediator, version=_v(mediating), reason="已私下和解")  # fmt: skip
    assert (mediating.flow.state, mediating.outcome) == ("withdrawn", "withdrawn")


def test_an_agreement_plans_the_follow_ups_the_grade_asks_for(world, mediation, mediating):
    _agree(mediating, mediation.mediator)
    assert mediating.flow.state == "following_up"
    visits = list(FollowUp.objects.filter(dispute=mediating))
    assert len(visits) == 3  # orange: three visits, a week apart
    assert (visits[1].due_on - visits[0].due_on).days == 7


def test_closing_waits_for_every_follow_up_then_reopens_when_performance_fails(world, mediation, mediating):  # fmt: skip
    _agree(mediating, mediation.mediator)
    visits = list(FollowUp.objects.filter(dispute=mediating))
    with pytest.raises(Conflict) as raised:
        followup.close(dispute=mediating, by=mediation.mediator, version=_v(mediating))
    assert raised.value.code == "disputes.follow_ups_missing"
    for visit in visits[:2]:
        followup.record_follow_up(follow_up=visit, performance="in_progress", note="分期履行中", by=world.grid_worker)  # fmt: skip
    followup.record_follow_up(follow_up=visits[2], performance="failed", note="拒不支付", by=world.grid_worker)  # fmt: skip
    with pytest.raises(Conflict) as raised:
        followup.close(dispute=mediating, by=mediation.mediator, version=_v(mediating))
    assert raised.value.code == "disputes.not_performed"
    followup.reopen(dispute=mediating, by=mediation.mediator, version=_v(mediating), reason="未履行")  # fmt: skip
    assert mediating.flow.state == "mediating"
    assert mediating.reopened == 1


def test_a_closed_case_is_reopened_when_performance_fails_later(world, mediation, mediating):
    _agree(mediating, mediation.mediator)
    for visit in FollowUp.objects.filter(dispute=mediating):
        followup.record_follow_up(follow_up=visit, performance="performed", note="已付清", by=mediation.mediator)  # fmt: skip
    followup.close(dispute=mediating, by=world.town_operator, version=_v(mediating))
    assert mediating.flow.state == "closed"
    followup.reopen(dispute=mediating, by=world.town_operator, version=_v(mediating), reason="反悔")
    assert mediating.flow.state == "mediating"


def test_judicial_confirmation_is_applied_for_within_30_days(world, mediation, mediating):
    agreement = _agree(mediating, mediation.mediator)
    late = agreement.effective_on + timedelta(days=31)
    with pytest.raises(DomainError) as raised:
        steps.record_confirmation(agreement=agreement, by=mediation.mediator, status="applied", court="栖霞区人民法院", applied_on=late)  # fmt: skip
    assert raised.value.code == "disputes.confirmation_late"
    steps.record_confirmation(agreement=agreement, by=mediation.mediator, status="applied", court="栖霞区人民法院", applied_on=agreement.effective_on + timedelta(days=5))  # fmt: skip
    steps.record_confirmation(agreement=agreement, by=mediation.mediator, status="confirmed", court="栖霞区人民法院", applied_on=agreement.effective_on + timedelta(days=5), decided_on=agreement.effective_on + timedelta(days=20))  # fmt: skip
    assert Agreement.objects.get().confirmation == "confirmed"
