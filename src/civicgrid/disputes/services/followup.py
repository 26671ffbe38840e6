"""Follow-up visits on the agreement's performance, closing once they are done, reopening when
performance fails."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.core.audit import log_action, register_action
from civicgrid.core.errors import Conflict, DomainError
from civicgrid.core.permissions import require
from civicgrid.disputes import flow as dispute_flow
from civicgrid.disputes.models import Dispute, FollowUp
from civicgrid.disputes.services.common import (
    organisation_people,
    require_desk_or_mediator,
    tell,
    text,
)
from civicgrid.workflow import services as flows

register_action("disputes.dispute.followed_up", _("visited a party for follow-up"))
register_action("disputes.dispute.closed", _("closed a dispute"))
register_action("disputes.dispute.reopened", _("reopened a dispute"))


@transaction.atomic
def record_follow_up(
    *, follow_up: FollowUp, performance: str, note: str, by: Any, now: datetime | None = None
) -> FollowUp:
    """A follow-up visit (回访): was the agreement performed? A failure reopens the dispute."""
    dispute = follow_up.dispute
    require(by, Cap.DISPUTES_FOLLOW_UP)
    if dispute.flow.state != dispute_flow.FOLLOWING_UP:
        raise Conflict("disputes.not_following_up", _("The dispute is not being followed up."))
    if follow_up.done_at is not None:
        raise Conflict("disputes.follow_up_done", _("This follow-up visit is recorded already."))
    if performance not in FollowUp.Performance.values:
        raise DomainError("disputes.bad_performance", _("Say whether the agreement is performed."))
    now = now or timezone.now()
    follow_up.performance = performance
    follow_up.note = text(note, field="note", max_length=2000, required=False)
    follow_up.done_at, follow_up.by = now, by if getattr(by, "pk", None) else None
    follow_up.save(update_fields=["performance", "note", "done_at", "by"])
    flows.record_event(flow=dispute.flow, action="followed_up", by=by, now=now, note=follow_up.note, data={"performance": performance})  # fmt: skip
    log_action(dispute, "disputes.dispute.followed_up", by=by, data={"performance": performance})
    if performance == FollowUp.Performance.FAILED:
        tell(
            [*organisation_people(dispute.organisation_id)], dispute,
            "disputes.performance_failed", _("the agreement is not performed"), follow_up.note,
        )  # fmt: skip
    return follow_up


def follow_ups_missing(dispute: Dispute) -> int:
    """How many of the required follow-up visits are not done yet."""
    done = dispute.follow_ups.filter(done_at__isnull=False).count()
    return max(0, dispute.follow_ups_required - done)


@transaction.atomic
def close(*, dispute: Dispute, by: Any, version: int, now: datetime | None = None) -> Dispute:
    """Close a dispute once its required follow-ups are done and the last found it performed."""
    require(by, Cap.DISPUTES_VIEW)
    require_desk_or_mediator(dispute, by)
    missing = follow_ups_missing(dispute)
    if missing:
        raise Conflict(
            "disputes.follow_ups_missing",
            _("%(n)d follow-up visit(s) are still to be made before closing.") % {"n": missing},
            missing=missing,
        )
    last = dispute.follow_ups.filter(done_at__isnull=False).order_by("-done_at", "-id").first()
    if last is None or last.performance != FollowUp.Performance.PERFORMED:
        raise Conflict("disputes.not_performed", _("Close only when the last visit found the agreement performed."))  # fmt: skip
    now = now or timezone.now()
    flows.transition(flow=dispute.flow, name="close", by=by, expected_version=version, now=now)
    dispute.closed_at = now
    dispute.save(update_fields=["closed_at"])
    log_action(dispute, "disputes.dispute.closed", by=by)
    return dispute


@transaction.atomic
def reopen(
    *, dispute: Dispute, by: Any, version: int, reason: str, now: datetime | None = None
) -> Dispute:
    """Performance failed: back to mediation with the same organisation and mediator."""
    require(by, Cap.DISPUTES_VIEW)
    require_desk_or_mediator(dispute, by)
    reason = text(reason, field="reason", max_length=500)
    now = now or timezone.now()
    flows.transition(flow=dispute.flow, name="reopen", by=by, expected_version=version, inputs={"reason": reason}, now=now)  # fmt: skip
    dispute.reopened += 1
    dispute.closed_at = None
    dispute.resolved_at = None
    dispute.outcome = ""
    dispute.save(update_fields=["reopened", "closed_at", "resolved_at", "outcome"])
    FollowUp.objects.filter(dispute=dispute, done_at__isnull=True).delete()
    log_action(dispute, "disputes.dispute.reopened", by=by, data={"reason": reason})
    if dispute.mediator is not None:
        tell([dispute.mediator], dispute, "disputes.reopened", _("reopened"), reason)
    return dispute
