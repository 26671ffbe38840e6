"""The monthly payment roll of a county (with the changes since last month and an Excel file
for the bank), and stopping or resuming one household's payment with a reason."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from civicgrid.accounts.roles import Cap
from civicgrid.assistance import audit_codes
from civicgrid.assistance.models import Application, PaymentChange, RollLine
from civicgrid.core.audit import log_action
from civicgrid.core.errors import Conflict, DomainError
from civicgrid.core.permissions import require
from civicgrid.core.scoping import is_within
from civicgrid.core.text import refuse_control_characters
from civicgrid.workflow.deadlines import SHANGHAI


def mask_account(account: str) -> str:
    """A bank account as shown: only its last four digits."""
    return "" if not account else "*" * max(0, len(account) - 4) + account[-4:]


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    refuse_control_characters(reason, code="assistance.bad_characters", field=_("reason"))
    if not reason:
        raise DomainError("assistance.reason_required", _("Say why."))
    return reason[:300]


@transaction.atomic
def stop_payment(
    *, application: Application, reason: str, by: Any, now: datetime | None = None
) -> Application:
    require(by, Cap.ASSISTANCE_PAY)
    reason = _reason(reason)
    if application.payment != Application.Payment.ACTIVE:
        raise Conflict("assistance.not_paying", _("This household is not being paid."))
    return _change(application, True, reason, by, now)


@transaction.atomic
def resume_payment(
    *, application: Application, reason: str, by: Any, now: datetime | None = None
) -> Application:
    require(by, Cap.ASSISTANCE_PAY)
    reason = _reason(reason)
    if application.payment != Application.Payment.STOPPED:
        raise Conflict("assistance.not_stopped", _("This payment is not stopped."))
    return _change(application, False, reason, by, now)


def _change(
    application: Application, stopped: bool, reason: str, by: Any, now: datetime | None
) -> Application:
    """Compare-and-set on the payment status: of two people stopping one payment at once,
    exactly one does it; the other is told it changed meanwhile."""
    now = now or timezone.now()
    was = Application.Payment.ACTIVE if stopped else Application.Payment.STOPPED
    status = Application.Payment.STOPPED if stopped else Application.Payment.ACTIVE
    if Application.all_objects.filter(pk=application.pk, payment=was).update(payment=status) != 1:
        raise Conflict(
            "assistance.payment_changed", _("Someone changed this payment meanwhile; reload it.")
        )
    application.payment = status
    PaymentChange.objects.create(
        application=application, stopped=stopped, reason=reason, at=now, by=by
    )
    code = audit_codes.PAYMENT_STOPPED if stopped else audit_codes.PAYMENT_RESUMED
    log_action(application, code, by=by, data={"reason": reason})
    return application


@dataclass(frozen=True)
class Roll:
    county_code: str
    month: date
    lines: list[RollLine]
    total_fen: int
    added: list[RollLine]  # paid this month, not last month
    changed: list[tuple[RollLine, int]]  # (line, last month's amount)
    ended: list[RollLine]  # last month's lines with no line this month


def _previous(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def _programmes(application: Application) -> str:
    results = application.decision.get("results", [])
    return ",".join(r["programme"] for r in results if r["eligible"] and r["monthly_fen"])


@transaction.atomic
def build_roll(*, county_code: str, month: date, by: Any) -> Roll:
    """(Re)build the county's roll for a month from every household paid now; a stopped
    payment is left out, a resumed one comes back."""
    require(by, Cap.ASSISTANCE_PAY)
    if len(county_code) != 6 or not is_within(county_code, by):
        raise DomainError("assistance.bad_county", _("Choose a county in your area."), status=404)
    month = month.replace(day=1)
    if month > timezone.now().astimezone(SHANGHAI).date().replace(day=1):
        raise DomainError(
            "assistance.future_month", _("A roll cannot be built for a future month.")
        )
    RollLine.all_objects.filter(county_code=county_code, month=month).delete()
    paid = Application.all_objects.filter(
        region__code__startswith=county_code, payment=Application.Payment.ACTIVE
    ).order_by("region_id", "number")
    try:
        with transaction.atomic():
            RollLine.all_objects.bulk_create(
                RollLine(
                    county_code=county_code,
                    month=month,
                    application=a,
                    region_id=a.region_id,
                    amount_fen=a.monthly_fen,
                    programmes=_programmes(a)[:120],
                )
                for a in paid
            )
    except IntegrityError:
        # Another build of the same roll wrote its lines first (unique month + application).
        raise Conflict(
            "assistance.roll_busy", _("This roll is being built by someone else; try again.")
        ) from None
    return roll_of(county_code=county_code, month=month)


def roll_of(*, county_code: str, month: date) -> Roll:
    lines = list(
        RollLine.all_objects.filter(county_code=county_code, month=month)
        .select_related("application", "application__household")
        .order_by("region_id", "application__number")
    )
    before = {
        line.application_id: line
        for line in RollLine.all_objects.filter(county_code=county_code, month=_previous(month))
    }
    now_ids = {line.application_id for line in lines}
    return Roll(
        county_code=county_code,
        month=month,
        lines=lines,
        total_fen=sum(line.amount_fen for line in lines),
        added=[line for line in lines if line.application_id not in before],
        changed=[
            (line, before[line.application_id].amount_fen)
            for line in lines
            if line.application_id in before
            and before[line.application_id].amount_fen != line.amount_fen
        ],
        ended=[line for pk, line in before.items() if pk not in now_ids],
    )


def export_roll(*, roll: Roll, reason: str, by: Any) -> bytes:
    """The roll for the bank: full account numbers (the bank needs them), so a stated reason,
    the exporter and the time in the file, and an audit record."""
    require(by, Cap.ASSISTANCE_PAY)
    reason = _reason(reason)
    book = Workbook()
    sheet = book.active
    sheet.title = roll.month.strftime("%Y-%m")
    stamp = timezone.now().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    sheet.append([_g("Exported by %(user)s at %(time)s: %(reason)s") % {
        "user": by.get_username(), "time": stamp, "reason": reason}])  # fmt: skip
    sheet.append(
        [
            _g("Application"),
            _g("Household"),
            _g("Bank"),
            _g("Account"),
            _g("Amount (yuan)"),
            _g("Programmes"),
        ]
    )
    for line in roll.lines:
        a = line.application
        sheet.append(
            [
                a.number,
                a.household.number,
                a.bank_name,
                a.bank_account,
                line.amount_fen / 100,
                line.programmes,
            ]
        )
    sheet.append(["", "", "", _g("Total"), roll.total_fen / 100, ""])
    out = io.BytesIO()
    book.save(out)
    log_action(
        None,
        audit_codes.ROLL_EXPORTED,
        by=by,
        region_code=roll.county_code,
        data={"month": roll.month.isoformat(), "lines": len(roll.lines), "reason": reason},
    )
    return out.getvalue()
