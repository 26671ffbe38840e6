"""Mediation: route to an organisation, assign a mediator, plan and record sessions, record the
outcome (agreement, partial, none, withdrawal) and track judicial confirmation."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.models import Organisation, User
from civicgrid.accounts.roles import Cap, Role
from civicgrid.core.audit import log_action, register_action
from civicgrid.core.errors import Conflict, DomainError
from civicgrid.core.permissions import require
from civicgrid.disputes import flow as dispute_flow
from civicgrid.disputes import routing
from civicgrid.disputes.models import (
    Agreement,
    Colour,
    Dispute,
    FollowUp,
    MediationProfile,
    Session,
)
from civicgrid.disputes.services.common import (
    organisation_people,
    require_desk_or_mediator,
    require_mediator,
    tell,
    text,
)
from civicgrid.notifications import services as notifications
from civicgrid.workflow import services as flows

register_action("disputes.dispute.routed", _("routed a dispute"))
register_action("disputes.dispute.assigned", _("assigned a mediator"))
register_action("disputes.dispute.outcome", _("recorded the outcome of a mediation"))
register_action("disputes.agreement.confirmation", _("recorded a judicial confirmation"))

# The People's Mediation Law (art. 33): apply to the court within 30 days of taking effect.
CONFIRMATION_DAYS = 30


def _step(dispute: Dispute, name: str, *, by: Any, version: int, now: datetime, inputs: dict[str, Any], note: str = "") -> None:  # fmt: skip
    flows.transition(
        flow=dispute.flow, name=name, by=by, expected_version=version, inputs=inputs,
        note=note, now=now,
    )  # fmt: skip


@transaction.atomic
def route(
    *, dispute: Dispute, organisation_id: int, by: Any, version: int, note: str = "",
    now: datetime | None = None,
) -> Dispute:  # fmt: skip
    """Send the dispute to a mediation organisation whose area holds it and that takes its type."""
    require(by, Cap.DISPUTES_ROUTE)
    profile = (
        MediationProfile.objects.select_related("organisation")
        .filter(organisation_id=organisation_id, organisation__is_active=True)
        .first()
    )
    if profile is None or profile.organisation.kind != Organisation.Kind.MEDIATION:
        raise DomainError("disputes.unknown_organisation", _("There is no such mediation organisation."))  # fmt: skip
    if not routing.can_take(profile, dispute):
        raise DomainError(
            "disputes.organisation_cannot_take",
            _("%(org)s does not take %(type)s disputes in this place.")
            % {"org": profile.organisation.name, "type": dispute.dispute_type.name},
        )
    now = now or timezone.now()
    note = text(note, field="note", max_length=500, required=False)
    _step(dispute, "route", by=by, version=version, now=now, note=note,
          inputs={"organisation": profile.organisation_id, "organisation_name": profile.organisation.name})  # fmt: skip
    dispute.organisation = profile.organisation
    dispute.mediator = None
    dispute.save(update_fields=["organisation", "mediator"])
    log_action(dispute, "disputes.dispute.routed", by=by, data={"organisation": profile.organisation_id})  # fmt: skip
    tell(organisation_people(profile.organisation_id), dispute, "disputes.routed", _("a dispute for your organisation"), Colour(dispute.colour).label)  # fmt: skip
    return dispute


@transaction.atomic
def assign_mediator(
    *, dispute: Dispute, mediator_id: int, by: Any, version: int, now: datetime | None = None
) -> Dispute:
    """Name the mediator: a member of the organisation the dispute is routed to, working in its
    area; the desk or the organisation's own mediators may do it."""
    require(by, Cap.DISPUTES_VIEW)
    if dispute.organisation is None:
        raise Conflict("disputes.not_routed", _("Route the dispute to an organisation first."))
    require_desk_or_mediator(dispute, by)
    mediator = User.objects.filter(pk=mediator_id, is_active=True).first()
    if mediator is None or mediator.role != Role.MEDIATOR:
        raise DomainError("disputes.not_a_mediator", _("Choose a mediator."))
    if mediator.organisation_id != dispute.organisation_id:
        raise DomainError(
            "disputes.mediator_not_in_organisation",
            _("%(name)s is not a mediator of %(org)s.")
            % {"name": mediator.get_full_name() or mediator.username, "org": dispute.organisation.name},
        )  # fmt: skip
    area = dispute.organisation.region_id
    if not (mediator.region_code.startswith(area) or area.startswith(mediator.region_code)):
        raise DomainError(
            "disputes.mediator_outside_area",
            _("%(name)s works outside the area of %(org)s.")
            % {"name": mediator.get_full_name() or mediator.username, "org": dispute.organisation.name},
        )  # fmt: skip
    now = now or timezone.now()
    _step(dispute, "assign", by=by, version=version, now=now,
          inputs={"mediator": mediator.pk, "mediator_name": mediator.get_full_name() or mediator.username})  # fmt: skip
    dispute.mediator = mediator
    dispute.save(update_fields=["mediator"])
    log_action(dispute, "disputes.dispute.assigned", by=by, data={"mediator": mediator.pk})
    tell([mediator], dispute, "disputes.assigned", _("you mediate this dispute"))
    return dispute


def _require_mediating(dispute: Dispute) -> None:
    if dispute.flow.state != dispute_flow.MEDIATING:
        raise Conflict("disputes.not_mediating", _("The dispute is not being mediated now."))


@transaction.atomic
def schedule_session(
    *, dispute: Dispute, starts_at: datetime, mode: str, place: str, by: Any,
    now: datetime | None = None,
) -> Session:  # fmt: skip
    """Plan a session (in person or online) in the future; the parties and mediator are told."""
    require(by, Cap.DISPUTES_MEDIATE)
    require_mediator(dispute, by)
    _require_mediating(dispute)
    now = now or timezone.now()
    if mode not in Session.Mode.values:
        raise DomainError("disputes.bad_mode", _("A session is in person or online."))
    if starts_at.tzinfo is None:
        raise DomainError("disputes.bad_time", _("The session time needs a time zone."))
    if starts_at <= now:
        raise DomainError("disputes.session_in_past", _("A session cannot be planned in the past."))
    place = text(place, field="place", max_length=200)
    session = Session.objects.create(
        dispute=dispute, starts_at=starts_at, mode=mode, place=place,
        mediator=dispute.mediator or by, created_at=now,
    )  # fmt: skip
    names = [p.name for p in dispute.parties.all()]
    flows.record_event(
        flow=dispute.flow, action="session_planned", by=by, now=now,
        note=f"{timezone.localtime(starts_at):%Y-%m-%d %H:%M} {place}",
        data={"session": session.pk, "mode": mode, "parties_told": names},
    )  # fmt: skip
    when = f"{timezone.localtime(starts_at):%Y-%m-%d %H:%M}"
    tell([session.mediator, *organisation_people(dispute.organisation_id)], dispute,
         "disputes.session_planned", notifications.later(_("mediation session %(when)s"), when=when), place)  # fmt: skip
    return session


@transaction.atomic
def record_session(
    *, session: Session, record: str, attendees: str, by: Any, now: datetime | None = None
) -> Session:
    """What was said and agreed at a session (笔录), once it has happened."""
    dispute = session.dispute
    require(by, Cap.DISPUTES_MEDIATE)
    require_mediator(dispute, by)
    now = now or timezone.now()
    if session.starts_at > now:
        raise DomainError("disputes.session_not_held", _("A session can be recorded once it has started."))  # fmt: skip
    if session.held_at is not None:
        raise Conflict("disputes.session_recorded", _("This session is recorded already."))
    session.record = text(record, field="record", max_length=10000)
    session.attendees = text(attendees, field="attendees", max_length=300, required=False)
    session.held_at = now
    session.save(update_fields=["record", "attendees", "held_at"])
    flows.record_event(flow=dispute.flow, action="session_recorded", by=by, now=now, data={"session": session.pk})  # fmt: skip
    return session


@transaction.atomic
def record_agreement(
    *,
    dispute: Dispute,
    by: Any,
    version: int,
    disputed_issues: str,
    content: str,
    performance_method: str,
    performance_deadline: date,
    effective_on: date,
    partial: bool = False,
    now: datetime | None = None,
) -> Agreement:
    """The mediation reached (partial) agreement: keep the agreement, move to follow-up, and plan
    the follow-up visits the grade asks for."""
    require(by, Cap.DISPUTES_MEDIATE)
    require_mediator(dispute, by)
    _require_mediating(dispute)
    now = now or timezone.now()
    today = timezone.localdate(now)
    received = timezone.localdate(dispute.received_at)
    if effective_on < received or effective_on > today:
        raise DomainError("disputes.bad_dates", _("The agreement takes effect between intake and today."))  # fmt: skip
    if performance_deadline < effective_on:
        raise DomainError("disputes.bad_dates", _("Performance cannot be due before the agreement takes effect."))  # fmt: skip
    fields = {
        "disputed_issues": text(disputed_issues, field="disputed issues", max_length=5000),
        "content": text(content, field="content", max_length=10000),
        "performance_method": text(
            performance_method, field="method of performance", max_length=2000
        ),
    }
    if Agreement.objects.filter(dispute=dispute).exists():
        # A reopened case agreeing again replaces the agreement that was not performed.
        Agreement.objects.filter(dispute=dispute).delete()
    outcome = Dispute.Outcome.PARTIAL if partial else Dispute.Outcome.AGREEMENT
    _step(dispute, "agree", by=by, version=version, now=now, inputs={"outcome": outcome})
    agreement = Agreement.objects.create(
        dispute=dispute, performance_deadline=performance_deadline, effective_on=effective_on,
        partial=partial, created_at=now, **fields,
    )  # fmt: skip
    dispute.outcome, dispute.next_channel = outcome, ""
    dispute.resolved_at = now
    dispute.save(update_fields=["outcome", "next_channel", "resolved_at"])
    plan_follow_ups(dispute, start=effective_on)
    log_action(dispute, "disputes.dispute.outcome", by=by, data={"outcome": outcome})
    return agreement


def plan_follow_ups(dispute: Dispute, *, start: date) -> list[FollowUp]:
    """The follow-up visits the grade asks for, every `follow_up_days` from `start`; visits
    planned before and not done yet are replaced."""
    FollowUp.objects.filter(dispute=dispute, done_at__isnull=True).delete()
    count = max(dispute.follow_ups_required, 1)
    return FollowUp.objects.bulk_create(
        FollowUp(dispute=dispute, due_on=start + timedelta(days=dispute.follow_up_days * (i + 1)))
        for i in range(count)
    )


@transaction.atomic
def record_no_agreement(
    *, dispute: Dispute, by: Any, version: int, next_channel: str, note: str = "",
    now: datetime | None = None,
) -> Dispute:  # fmt: skip
    """No agreement: the parties are pointed to litigation, arbitration or an authority."""
    require(by, Cap.DISPUTES_MEDIATE)
    require_mediator(dispute, by)
    if next_channel not in Dispute.NextChannel.values:
        raise DomainError("disputes.bad_next_channel", _("Say where the parties go next: litigation, arbitration or administrative handling."))  # fmt: skip
    now = now or timezone.now()
    note = text(note, field="note", max_length=2000, required=False)
    _step(dispute, "fail", by=by, version=version, now=now, note=note, inputs={"next_channel": next_channel})  # fmt: skip
    dispute.outcome, dispute.next_channel, dispute.outcome_note = Dispute.Outcome.NO_AGREEMENT, next_channel, note  # fmt: skip
    dispute.closed_at = now
    dispute.save(update_fields=["outcome", "next_channel", "outcome_note", "closed_at"])
    log_action(dispute, "disputes.dispute.outcome", by=by, data={"outcome": dispute.outcome, "next": next_channel})  # fmt: skip
    return dispute


@transaction.atomic
def withdraw(
    *, dispute: Dispute, by: Any, version: int, reason: str, now: datetime | None = None
) -> Dispute:
    """The applicant withdrew (撤回): recorded by the desk or the organisation's mediators."""
    require(by, Cap.DISPUTES_VIEW)
    require_desk_or_mediator(dispute, by)
    reason = text(reason, field="reason", max_length=500)
    now = now or timezone.now()
    _step(dispute, "withdraw", by=by, version=version, now=now, note=reason, inputs={"reason": reason})  # fmt: skip
    dispute.outcome, dispute.outcome_note, dispute.closed_at = (
        Dispute.Outcome.WITHDRAWN,
        reason,
        now,
    )
    dispute.save(update_fields=["outcome", "outcome_note", "closed_at"])
    log_action(dispute, "disputes.dispute.outcome", by=by, data={"outcome": dispute.outcome})
    return dispute


@transaction.atomic
def record_confirmation(
    *, agreement: Agreement, by: Any, status: str, court: str = "",
    applied_on: date | None = None, decided_on: date | None = None,
) -> Agreement:  # fmt: skip
    """Judicial confirmation (司法确认): applied to a court within 30 days of the agreement
    taking effect, then confirmed or refused."""
    dispute = agreement.dispute
    require(by, Cap.DISPUTES_MEDIATE)
    require_mediator(dispute, by)
    if status not in ("applied", "confirmed", "refused"):
        raise DomainError("disputes.bad_confirmation", _("The status is applied, confirmed or refused."))  # fmt: skip
    court = text(court, field="court", max_length=100)
    if applied_on is None:
        raise DomainError("disputes.bad_dates", _("Give the date of the application."))
    if applied_on < agreement.effective_on:
        raise DomainError("disputes.bad_dates", _("The application cannot precede the agreement."))  # fmt: skip
    if applied_on > agreement.effective_on + timedelta(days=CONFIRMATION_DAYS):
        raise DomainError(
            "disputes.confirmation_late",
            _(
                "Judicial confirmation must be applied for within %(days)d days of the agreement taking effect."
            )
            % {"days": CONFIRMATION_DAYS},
        )
    if status != "applied" and (decided_on is None or decided_on < applied_on):
        raise DomainError("disputes.bad_dates", _("The court decides after the application."))
    agreement.confirmation, agreement.court, agreement.applied_on = status, court, applied_on
    agreement.decided_on = decided_on if status != "applied" else None
    agreement.save(update_fields=["confirmation", "court", "applied_on", "decided_on"])
    flows.record_event(flow=dispute.flow, action="judicial_confirmation", by=by, data={"status": status, "court": court})  # fmt: skip
    log_action(dispute, "disputes.agreement.confirmation", by=by, data={"status": status})
    return agreement


def confirmation_deadline(agreement: Agreement) -> date:
    return agreement.effective_on + timedelta(days=CONFIRMATION_DAYS)
