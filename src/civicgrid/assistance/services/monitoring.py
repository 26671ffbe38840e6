"""Dynamic monitoring: re-verify every household receiving assistance, and read the register
for new hardship; each finding becomes an alert, a task for the community with a deadline."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from civicgrid.accounts.models import User
from civicgrid.accounts.roles import Cap, Role
from civicgrid.assistance import adapters, audit_codes, loop, standards
from civicgrid.assistance.facts import household_facts
from civicgrid.assistance.models import Alert, Application
from civicgrid.assistance.rules import decide
from civicgrid.assistance.services.verification import report_for
from civicgrid.core.audit import log_action
from civicgrid.core.errors import Conflict, DomainError
from civicgrid.core.models import AuditEntry
from civicgrid.core.permissions import require
from civicgrid.core.scoping import is_within
from civicgrid.core.text import refuse_control_characters
from civicgrid.notifications.services import Message, later, notify_many
from civicgrid.people.models import Resident, ResidentTag
from civicgrid.workflow.deadlines import SHANGHAI, add_working_hours

ALERT_WORKING_DAYS = 10
# Register tags that signal new hardship, and the signal each raises.
HARDSHIP_TAGS = {
    "disabled": "disability",
    "unemployed": "job_loss",
    "seriously_ill": "serious_illness",
    "deceased": "death_in_household",
}
# A difference found by re-verification, and the signal it raises.
SIGNALS = {
    "asset:vehicle": "new_vehicle",
    "income:wages": "new_job",
    "asset:deposits": "deposits",
    "asset:securities": "deposits",
    "asset:housing": "new_housing",
    "asset:business_registration": "new_business",
}


@dataclass(frozen=True)
class MonitoringResult:
    checked: int
    incomplete: int
    no_longer: int
    hardship: int


def _alert(*, household_id: int, region_code: str, kind: str, signal: str, detail: dict[str, Any],
           application: Application | None, now: datetime) -> bool:  # fmt: skip
    """One open alert per household and signal: True when a new one was raised."""
    due = add_working_hours(now, ALERT_WORKING_DAYS * loop.HOURS_PER_DAY, loop.APPLICATION.calendar)
    try:
        with transaction.atomic():
            Alert.all_objects.create(
                household_id=household_id, region_id=region_code, kind=kind, signal=signal,
                detail=detail, application=application, created_at=now, due_at=due,
            )  # fmt: skip
    except IntegrityError:
        return False
    return True


@transaction.atomic
def run_monitoring(
    *, region_code: str, by: Any = None, now: datetime | None = None
) -> MonitoringResult:
    """Check everyone paid in the area against the sources with this month's standard, then
    the register's hardship tags. A source that fails leaves its households unjudged."""
    if by is not None:
        require(by, Cap.ASSISTANCE_REVIEW)
    if not is_within(region_code, by):
        raise DomainError("assistance.bad_area", _("Choose an area within yours."), status=404)
    now = now or timezone.now()
    month = now.astimezone(SHANGHAI).date().replace(day=1)
    config = standards.current()
    paid = list(
        Application.all_objects.filter(
            region__code__startswith=region_code, payment=Application.Payment.ACTIVE
        ).prefetch_related("members__resident", "items")
    )
    member_of: dict[int, dict[str, int]] = defaultdict(dict)
    for a in paid:
        for m in a.members.all():
            member_of[a.pk][m.resident.id_number] = m.pk
    answers = adapters.ask_all(sorted({n for per in member_of.values() for n in per}))
    incomplete = no_longer = 0
    for a in paid:
        report = report_for(a, answers, member_of[a.pk])
        if report["incomplete"]:
            incomplete += 1
            continue
        decision = decide(
            household_facts(a, report["verified"]),
            config.thresholds_for(a.region_id, month),
            config.rules,
        )
        if decision.total_monthly_fen >= a.monthly_fen and decision.eligible_programmes():
            continue
        changed = _changes_since_decision(a, report["verified"])
        signals = sorted({SIGNALS.get(kind, "other") for kind in changed}) or ["standard"]
        for signal in signals:
            no_longer += _alert(
                household_id=a.household_id, region_code=a.region_id, kind=Alert.Kind.NO_LONGER_QUALIFIES,
                signal=signal, application=a, now=now,
                detail={"was_fen": a.monthly_fen, "now_fen": decision.total_monthly_fen,
                        "changes": changed},
            )  # fmt: skip
    hardship, watermark = _register_signals(region_code, now)
    _tell_communities(region_code, now)
    log_action(None, audit_codes.MONITORED, by=by, region_code=region_code,
               data={"checked": len(paid), "incomplete": incomplete, "alerts": no_longer + hardship,
                     "tag_watermark": watermark})  # fmt: skip
    return MonitoringResult(len(paid), incomplete, no_longer, hardship)


def _tell_communities(region_code: str, now: datetime) -> None:
    """Each community's staff learn of the alerts raised for them in this run."""
    raised: dict[str, int] = defaultdict(int)
    for code in Alert.all_objects.filter(
        region__code__startswith=region_code, created_at=now
    ).values_list("region_id", flat=True):
        raised[str(code)[:12]] += 1
    staff: dict[str, list[Any]] = defaultdict(list)
    for user in User.objects.filter(
        region_id__in=list(raised), role=Role.COMMUNITY_STAFF, is_active=True
    ):
        staff[str(user.region_id)].append(user)
    notify_many(
        Message(
            users=staff[community],
            code="assistance.alerts",
            title=later(
                ngettext_lazy(
                    "%(count)s new assistance monitoring alert",
                    "%(count)s new assistance monitoring alerts",
                    count,
                ),
                count=count,
            ),
            link=reverse("assistance:alerts"),
        )
        for community, count in raised.items()
        if staff[community]
    )


def _changes_since_decision(application: Application, verified: dict[str, int]) -> dict[str, Any]:
    """What the sources say now that they did not say when the case was decided."""
    run = application.verifications.filter(complete=True).first()
    before = run.report.get("verified", {}) if run else {}
    return {
        kind: {"was": before.get(kind, 0), "now": value}
        for kind, value in sorted(verified.items())
        if before.get(kind, 0) != value
    }


def _last_watermark(region_code: str) -> int | None:
    last = (
        AuditEntry.objects.filter(action=audit_codes.MONITORED, region_code=region_code)
        .order_by("-id")
        .first()
    )
    return None if last is None else last.data.get("tag_watermark")


def _register_signals(region_code: str, now: datetime) -> tuple[int, int]:
    """Residents tagged disabled or unemployed since the area's last run (tags are rewritten
    on every change, so a tag id above the last run's watermark is new), in households with no
    assistance and no application in progress: the community should visit. The first run only
    sets the watermark: what the register held before monitoring began is not news."""
    watermark = ResidentTag.all_objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    since = _last_watermark(region_code)
    if since is None:
        return 0, watermark
    covered = set(
        Application.all_objects.filter(region__code__startswith=region_code)
        .filter(Q(payment=Application.Payment.ACTIVE) | Q(flow__state__in=loop.OPEN_STATES))
        .values_list("household_id", flat=True)
    )
    raised = 0
    tags = ResidentTag.all_objects.filter(
        region_code__startswith=region_code,
        tag__in=list(HARDSHIP_TAGS),
        pk__gt=since,
        pk__lte=watermark,
    ).values_list("resident_id", "tag")
    residents = dict(
        Resident.all_objects.filter(pk__in=[r for r, _t in tags]).values_list("pk", "household_id")
    )
    regions = dict(
        Resident.all_objects.filter(pk__in=list(residents)).values_list(
            "household_id", "household__region_id"
        )
    )
    for resident_id, tag in tags:
        household_id = residents[resident_id]
        if household_id in covered:
            continue
        raised += _alert(
            household_id=household_id, region_code=str(regions[household_id]), kind=Alert.Kind.NEW_HARDSHIP,
            signal=HARDSHIP_TAGS[tag], application=None, now=now, detail={"resident": resident_id, "tag": tag},
        )  # fmt: skip
    return raised, watermark


@transaction.atomic
def close_alert(*, alert: Alert, outcome: str, by: Any, now: datetime | None = None) -> Alert:
    """The community reports what it found (visited, re-applied, payment stopped …)."""
    require(by, Cap.ASSISTANCE_INTAKE)
    outcome = (outcome or "").strip()
    refuse_control_characters(outcome, code="assistance.bad_characters", field=_("outcome"))
    if not outcome:
        raise DomainError("assistance.outcome_required", _("Say what the visit found."))
    if alert.closed_at is not None:
        raise Conflict("assistance.alert_closed", _("This alert is closed already."))
    alert.closed_at = now or timezone.now()
    alert.outcome = outcome[:300]
    alert.save(update_fields=["closed_at", "outcome"])
    return alert
