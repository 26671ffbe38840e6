"""Registering an application (also for another area: 省内通办) and taking it along the
approval path: intake, home visit, town review with the notice, objections, county approval."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.assistance import audit_codes, loop, standards
from civicgrid.assistance.facts import household_facts
from civicgrid.assistance.models import KINDS, Application, Item, Member, Objection
from civicgrid.assistance.rules import decide
from civicgrid.assistance.standards import CareTier
from civicgrid.core.audit import log_action
from civicgrid.core.errors import Conflict, DomainError, NotFound
from civicgrid.core.identity import normalise_id_number
from civicgrid.core.permissions import require
from civicgrid.core.scoping import is_within
from civicgrid.core.text import refuse_control_characters
from civicgrid.people import services as people_services
from civicgrid.people.models import Resident, ResidentTag
from civicgrid.workflow import services as flows
from civicgrid.workflow.deadlines import SHANGHAI, add_working_hours

MAX_AMOUNT_FEN = 10**12  # ten billion yuan: anything above is a typing error


@dataclass(frozen=True)
class MemberIn:
    """A member of the applying household; the disability grade defaults to the register's."""

    resident_id: int
    disability_grade: int | None = None
    severely_ill: bool = False
    care_tier: str = ""
    no_supporter: bool = False


@dataclass(frozen=True)
class ItemIn:
    section: str
    kind: str
    amount_fen: int
    resident_id: int | None = None  # whose it is; None for the household as a whole
    note: str = ""


def _month(value: date | None, now: datetime) -> date:
    today = now.astimezone(SHANGHAI).date()
    month = (value or today).replace(day=1)
    if month > today:
        raise DomainError(
            "assistance.future_month", _("The month of an application cannot be in the future.")
        )
    return month


def _check_item(item: ItemIn, members: dict[int, Member | None]) -> None:
    kinds = KINDS.get(item.section)
    if kinds is None or item.kind not in kinds:
        raise DomainError(
            "assistance.unknown_item",
            _("%(section)s/%(kind)s is not something one can declare.")
            % {"section": item.section, "kind": item.kind},
        )
    if item.amount_fen < 0:
        raise DomainError(
            "assistance.negative_amount",
            _("%(kind)s cannot be negative.") % {"kind": kinds[item.kind]},
            field=item.kind,
        )
    if item.amount_fen > MAX_AMOUNT_FEN:
        raise DomainError("assistance.amount_too_large", _("That amount is not plausible."))
    if item.resident_id is not None and item.resident_id not in members:
        raise DomainError(
            "assistance.unknown_member",
            _("The item names someone who is not a member of this application."),
            resident=item.resident_id,
        )
    refuse_control_characters(item.note, code="assistance.bad_characters", field=_("note"))


def _register_grades(resident_ids: list[int]) -> dict[int, int | None]:
    return dict(
        ResidentTag.all_objects.filter(resident_id__in=resident_ids, tag="disabled").values_list(
            "resident_id", "grade"
        )
    )


def find_applicant(id_number: str) -> Resident:
    """The applicant anywhere in the province (省内通办 reads across areas on purpose)."""
    number = normalise_id_number(id_number)
    resident = Resident.all_objects.select_related("household").filter(id_number=number).first()
    if resident is None:
        raise NotFound(
            "assistance.unknown_applicant",
            _("Nobody with this ID number is in the register; register the household first."),
        )
    return resident


@transaction.atomic
def register_application(
    *,
    applicant_id_number: str,
    by: Any,
    channel: str = Application.Channel.WINDOW,
    month: date | None = None,
    members: Sequence[MemberIn] = (),
    items: Sequence[ItemIn] = (),
    urgent_event: bool = False,
    one_off_expense_fen: int = 0,
    bank_name: str = "",
    bank_account: str = "",
    now: datetime | None = None,
) -> Application:
    """Register one application for the applicant's household, in the household's area.

    Staff of another area may register it (省内通办): it goes to the responsible town and
    community, and the receipt is audit-logged as received elsewhere.
    """
    require(by, Cap.ASSISTANCE_INTAKE)
    now = now or timezone.now()
    applicant = find_applicant(applicant_id_number)
    household = applicant.household
    month = _month(month, now)
    standards.current().standard_for(household.region_id, month)  # refuses a missing standard
    if channel not in Application.Channel.values:
        raise DomainError("assistance.bad_channel", _("Unknown channel."))
    if one_off_expense_fen < 0:
        raise DomainError(
            "assistance.negative_amount", _("The one-off expense cannot be negative.")
        )
    account = "".join(bank_account.split())
    if account and not (account.isdigit() and 12 <= len(account) <= 30):
        raise DomainError("assistance.bad_account", _("A bank account is 12 to 30 digits."))
    household_ids = set(
        Resident.all_objects.filter(household=household).values_list("pk", flat=True)
    )
    chosen = list(members) or [MemberIn(resident_id=pk) for pk in sorted(household_ids)]
    for m in chosen:
        if m.resident_id not in household_ids:
            raise DomainError(
                "assistance.unknown_member",
                _("Someone listed is not a member of the applicant's household."),
                resident=m.resident_id,
            )
        if m.care_tier and m.care_tier not in CareTier.values:
            raise DomainError("assistance.bad_care_tier", _("Unknown care tier."))
        if m.disability_grade is not None and m.disability_grade not in (1, 2, 3, 4):
            raise DomainError("assistance.bad_grade", _("A disability grade is 1 to 4."))
    if len({m.resident_id for m in chosen}) != len(chosen):
        raise DomainError("assistance.duplicate_member", _("A member is listed twice."))
    placeholder: dict[int, Member | None] = {m.resident_id: None for m in chosen}
    for item in items:
        _check_item(item, placeholder)
    if Application.all_objects.filter(
        household=household, flow__state__in=loop.OPEN_STATES
    ).exists():
        raise Conflict(
            "assistance.already_open", _("This household already has an application in progress.")
        )
    # Every check passed: now write.
    grades = _register_grades([m.resident_id for m in chosen])
    application = Application.all_objects.create(
        number=f"JZ{now.astimezone(SHANGHAI):%Y%m%d}{secrets.randbelow(10**8):08d}",
        household=household,
        region_id=household.region_id,
        received_region_code=getattr(by, "region_code", "") or "",
        channel=channel,
        month=month,
        urgent_event=urgent_event,
        one_off_expense_fen=one_off_expense_fen,
        bank_name=bank_name.strip()[:60],
        bank_account=account,
        created_by=by if getattr(by, "pk", None) else None,
        created_at=now,
        due_at=add_working_hours(
            now, loop.TOTAL_WORKING_DAYS * loop.HOURS_PER_DAY, loop.APPLICATION.calendar
        ),
    )
    saved = {
        m.resident_id: Member.objects.create(
            application=application,
            resident_id=m.resident_id,
            disability_grade=m.disability_grade
            if m.disability_grade is not None
            else grades.get(m.resident_id),
            severely_ill=m.severely_ill,
            care_tier=m.care_tier,
            no_supporter=m.no_supporter,
        )
        for m in chosen
    }
    Item.objects.bulk_create(
        Item(
            application=application,
            member=saved[i.resident_id] if i.resident_id is not None else None,
            section=i.section,
            kind=i.kind,
            amount_fen=i.amount_fen,
            note=i.note.strip()[:200],
        )
        for i in items
    )
    # The flow lives in the household's area; staff of another area act as the platform here.
    starter = by if is_within(household.region_id, by) else None
    application.flow = flows.start_flow(
        workflow=loop.NAME,
        region_code=household.region_id,
        by=starter,
        subject=application,
        now=now,
    )
    application.save(update_fields=["flow"])
    elsewhere = starter is None and by is not None
    log_action(
        application,
        audit_codes.RECEIVED_ELSEWHERE if elsewhere else audit_codes.RECEIVED,
        by=by,
        data={"received_in": application.received_region_code, "members": len(chosen)},
    )
    return application


def _step(
    application: Application,
    name: str,
    by: Any,
    version: int,
    now: datetime | None,
    inputs: dict[str, Any] | None = None,
) -> Application:
    assert application.flow is not None
    flows.transition(
        flow=application.flow,
        name=name,
        by=by,
        expected_version=version,
        inputs=inputs or {},
        now=now,
    )
    return application


@transaction.atomic
def accept(
    *, application: Application, by: Any, version: int, now: datetime | None = None
) -> Application:
    return _step(application, "accept", by, version, now)


@transaction.atomic
def record_visit(
    *, application: Application, visit: str, by: Any, version: int, now: datetime | None = None
) -> Application:
    """The home visit's record (who lives there, how they live); required before review."""
    visit = (visit or "").strip()
    refuse_control_characters(visit, code="assistance.bad_characters", field=_("home visit"))
    _step(application, "record_visit", by, version, now, {"visit": visit})
    application.visit_note = visit
    application.save(update_fields=["visit_note"])
    return application


@transaction.atomic
def refuse(
    *, application: Application, reason: str, by: Any, version: int, now: datetime | None = None
) -> Application:
    return _step(application, "refuse", by, version, now, {"reason": (reason or "").strip()})


@transaction.atomic
def withdraw(
    *, application: Application, reason: str, by: Any, version: int, now: datetime | None = None
) -> Application:
    return _step(application, "withdraw", by, version, now, {"reason": (reason or "").strip()})


def _verified_totals(application: Application) -> dict[str, int]:
    run = application.verifications.filter(complete=True).first()
    if run is None or application.verification != Application.Verification.COMPLETE:
        raise Conflict(
            "assistance.not_verified",
            _("The household's economic situation is not fully verified: nothing can be decided."),
            verification=application.verification,
        )
    return {k: int(v) for k, v in run.report.get("verified", {}).items()}


@transaction.atomic
def propose(
    *, application: Application, by: Any, version: int, now: datetime | None = None
) -> Application:
    """Town review: decide on the verified facts and publish the notice (公示) for 7 days."""
    require(by, Cap.ASSISTANCE_REVIEW)
    now = now or timezone.now()
    verified = _verified_totals(application)
    config = standards.current()
    thresholds = config.thresholds_for(application.region_id, application.month)
    decision = decide(household_facts(application, verified), thresholds, config.rules)
    _step(application, "publish_notice", by, version, now)
    application.decision = decision.as_json()
    application.decided_at = now
    application.notice_started_at = now
    application.save(update_fields=["decision", "decided_at", "notice_started_at"])
    log_action(
        application,
        audit_codes.DECIDED,
        by=by,
        data={
            "eligible": decision.eligible_programmes(),
            "monthly_fen": decision.total_monthly_fen,
            "standard": application.decision["standard"],
        },
    )
    return application


def notice_ends_at(application: Application) -> datetime:
    assert application.notice_started_at is not None
    return application.notice_started_at + timedelta(days=loop.NOTICE_DAYS)


def _open_notice(application: Application, now: datetime) -> None:
    assert application.flow is not None
    if application.flow.state != loop.NOTICE:
        raise Conflict("assistance.no_notice", _("The application is not on public notice."))


@transaction.atomic
def record_objection(
    *, application: Application, text: str, by: Any, now: datetime | None = None
) -> Objection:
    """An objection raised during the notice; the notice cannot close while one is open."""
    require(by, Cap.ASSISTANCE_VIEW)
    now = now or timezone.now()
    _open_notice(application, now)
    text = (text or "").strip()
    refuse_control_characters(text, code="assistance.bad_characters", field=_("objection"))
    if not text:
        raise DomainError("assistance.empty_objection", _("Write down what the objection says."))
    objection = Objection.objects.create(
        application=application, text=text[:2000], raised_at=now, recorded_by=by
    )
    assert application.flow is not None
    flows.record_event(flow=application.flow, action="objection", by=by, note=text[:200], now=now)
    log_action(application, audit_codes.OBJECTION, by=by, data={"objection": objection.pk})
    return objection


@transaction.atomic
def resolve_objection(
    *, objection: Objection, resolution: str, by: Any, now: datetime | None = None
) -> Objection:
    require(by, Cap.ASSISTANCE_REVIEW)
    resolution = (resolution or "").strip()
    refuse_control_characters(resolution, code="assistance.bad_characters", field=_("resolution"))
    if not resolution:
        raise DomainError("assistance.empty_resolution", _("Say how the objection was settled."))
    if objection.resolved_at is not None:
        raise Conflict("assistance.already_resolved", _("This objection is settled already."))
    objection.resolution = resolution[:2000]
    objection.resolved_at = now or timezone.now()
    objection.save(update_fields=["resolution", "resolved_at"])
    return objection


@transaction.atomic
def close_notice(
    *, application: Application, by: Any, version: int, now: datetime | None = None
) -> Application:
    """After 7 full days of notice, with every objection settled, the county may decide."""
    now = now or timezone.now()
    _open_notice(application, now)
    ends = notice_ends_at(application)
    if now < ends:
        raise Conflict(
            "assistance.notice_running",
            _("The public notice runs until %(end)s; nothing can be decided before.")
            % {"end": ends.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")},
            ends=ends.isoformat(),
        )
    if application.objections.filter(resolved_at__isnull=True).exists():
        raise Conflict(
            "assistance.open_objections", _("Settle every objection before closing the notice.")
        )
    return _step(application, "close_notice", by, version, now)


def _county_level(by: Any) -> None:
    code = getattr(by, "region_code", "") or ""
    if len(code) > 6:
        raise DomainError(
            "assistance.county_only",
            _("Only county civil affairs approve assistance decisions."),
            status=403,
        )


@transaction.atomic
def approve(
    *, application: Application, by: Any, version: int, now: datetime | None = None
) -> Application:
    """County approval: the proposed decision becomes the monthly amount paid from now on."""
    require(by, Cap.ASSISTANCE_APPROVE)
    _county_level(by)
    if not application.decision:
        raise Conflict("assistance.no_decision", _("There is no proposed decision to approve."))
    now = now or timezone.now()
    _step(application, "approve", by, version, now)
    monthly = int(application.decision.get("total_monthly_fen", 0))
    application.approved_at = now
    application.monthly_fen = monthly
    application.payment = Application.Payment.ACTIVE if monthly > 0 else Application.Payment.NONE
    application.save(update_fields=["approved_at", "monthly_fen", "payment"])
    _tag_in_register(application)
    log_action(application, audit_codes.APPROVED, by=by, data={"monthly_fen": monthly})
    return application


# Which register tag kind a covered member gets, strongest programme first.
TAG_OF_PROGRAMME = (("tekun", "tekun"), ("dibao", "dibao"), ("expenditure", "expenditure"),
                    ("marginal", "marginal"))  # fmt: skip


def _tag_in_register(application: Application) -> None:
    """One collection, many uses: the register learns who is covered (low income, with the
    programme as its kind), so care, jobs and the numbers see it; other tags are kept."""
    results = {r["programme"]: r for r in application.decision.get("results", [])}
    kinds: dict[str, str] = {}
    for programme, kind in TAG_OF_PROGRAMME:
        result = results.get(programme)
        if not result or not result["eligible"]:
            continue
        # Marginal and expenditure households are identified as a whole.
        keys = result["covered"] if programme in ("tekun", "dibao") else None
        for m in application.members.all():
            if keys is None or str(m.pk) in keys:
                kinds.setdefault(str(m.pk), kind)
    for m in application.members.select_related("resident"):
        given = kinds.get(str(m.pk))
        if given is None:
            continue
        kept = [
            people_services.TagValue(t.tag, t.kind, t.grade)
            for t in ResidentTag.all_objects.filter(resident=m.resident).exclude(tag="low_income")
        ]
        people_services.set_tags(
            resident=m.resident,
            tags=[*kept, people_services.TagValue("low_income", given)],
            by=None,
        )


@transaction.atomic
def send_back(
    *, application: Application, reason: str, by: Any, version: int, now: datetime | None = None
) -> Application:
    _county_level(by)
    return _step(application, "send_back", by, version, now, {"reason": (reason or "").strip()})


def reveal(*, application: Application, reason: str, by: Any) -> Application:
    """Permit the itemised, unmasked view of one application, with a reason, audit-logged."""
    require(by, Cap.ASSISTANCE_UNMASK)
    reason = (reason or "").strip()
    refuse_control_characters(reason, code="assistance.bad_characters", field=_("reason"))
    if not reason:
        raise DomainError("assistance.reason_required", _("Say why you need the full figures."))
    log_action(application, audit_codes.VIEWED_UNMASKED, by=by, data={"reason": reason[:300]})
    return application
