"""JSON API for social assistance under /api/v1/assistance/: applications, the approval path,
verification, objections, plans, payments, monitoring alerts and numbers."""
# No `from __future__ import annotations` here: ninja resolves the annotations.

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from civicgrid.accounts.access import lookup
from civicgrid.accounts.roles import Cap
from civicgrid.assistance import present, selectors
from civicgrid.assistance.models import Alert, Application, Objection
from civicgrid.assistance.services import applications as apps
from civicgrid.assistance.services import monitoring, payments, plans
from civicgrid.assistance.services.verification import verify_many
from civicgrid.assistance.standards import yuan_to_fen
from civicgrid.core.errors import DomainError
from civicgrid.core.permissions import require

router = Router(tags=["assistance"])


def _application(request: HttpRequest, number: str, capability: str) -> Application:
    visible = selectors.applications_visible_to(request.user)  # type: ignore[arg-type]
    return lookup(request.user, visible, capability, number=number)  # type: ignore[arg-type]


def _fen(amount: Decimal) -> int:
    if amount < 0:
        raise DomainError("assistance.negative_amount", _("Amounts cannot be negative."))
    return yuan_to_fen(amount)


class MemberIn(Schema):
    resident_id: int
    disability_grade: int | None = Field(None, ge=1, le=4)
    severely_ill: bool = False
    care_tier: Literal["", "full", "partial", "self"] = ""
    no_supporter: bool = False


class ItemIn(Schema):
    section: str = Field(..., max_length=12)
    kind: str = Field(..., max_length=24)
    amount: Decimal = Field(..., description="yuan; incomes over the last 12 months")
    resident_id: int | None = None
    note: str = Field("", max_length=200)


class ApplicationIn(Schema):
    applicant_id_number: str = Field(..., max_length=18)
    channel: Literal["window", "grid", "online"] = "window"
    month: date | None = None
    members: list[MemberIn] = []
    items: list[ItemIn] = []
    urgent_event: bool = False
    one_off_expense: Decimal = Decimal(0)
    bank_name: str = Field("", max_length=60)
    bank_account: str = Field("", max_length=32)


@router.get("/applications", summary="Applications in my area (masked)")
def list_applications(request: HttpRequest, state: str = "") -> Any:
    require(request.user, Cap.ASSISTANCE_VIEW)
    rows = selectors.applications_visible_to(request.user)  # type: ignore[arg-type]
    if state:
        rows = rows.filter(flow__state=state)
    return [present.summary(a) for a in rows[:200]]


@router.post("/applications", response={201: dict}, summary="Register an application")
def register(request: HttpRequest, body: ApplicationIn) -> Any:
    application = apps.register_application(
        applicant_id_number=body.applicant_id_number,
        by=request.user,
        channel=body.channel,
        month=body.month,
        members=[apps.MemberIn(**m.dict()) for m in body.members],
        items=[
            apps.ItemIn(
                section=i.section,
                kind=i.kind,
                amount_fen=_fen(i.amount),
                resident_id=i.resident_id,
                note=i.note,
            )
            for i in body.items
        ],
        urgent_event=body.urgent_event,
        one_off_expense_fen=_fen(body.one_off_expense),
        bank_name=body.bank_name,
        bank_account=body.bank_account,
    )
    return Status(201, present.summary(application))


@router.get("/applications/{number}", summary="One application (masked)")
def application_detail(request: HttpRequest, number: str) -> Any:
    application = _application(request, number, Cap.ASSISTANCE_VIEW)
    return present.detail(application, figures=present.sees_figures(request.user))


class RevealIn(Schema):
    reason: str = Field(..., max_length=300)


@router.post("/applications/{number}/unmasked", summary="Itemised figures (audit-logged)")
def application_unmasked(request: HttpRequest, number: str, body: RevealIn) -> Any:
    application = _application(request, number, Cap.ASSISTANCE_UNMASK)
    apps.reveal(application=application, reason=body.reason, by=request.user)
    return present.detail(application, unmasked=True)


class StepIn(Schema):
    version: int
    visit: str = Field("", max_length=4000)
    reason: str = Field("", max_length=1000)


STEPS = Literal[
    "accept",
    "record_visit",
    "propose",
    "close_notice",
    "approve",
    "send_back",
    "refuse",
    "withdraw",
]


@router.post("/applications/{number}/act/{step}", summary="Take a step of the approval path")
def act(request: HttpRequest, number: str, step: STEPS, body: StepIn) -> Any:
    application = _application(request, number, Cap.ASSISTANCE_VIEW)
    common: dict[str, Any] = {
        "application": application,
        "by": request.user,
        "version": body.version,
    }
    if step == "record_visit":
        apps.record_visit(visit=body.visit, **common)
    elif step in ("send_back", "refuse", "withdraw"):
        getattr(apps, step)(reason=body.reason, **common)
    else:
        getattr(apps, step)(**common)
    return present.summary(application)


class VerifyIn(Schema):
    numbers: list[str] = Field(..., min_length=1, max_length=500)


@router.post("/verify", summary="Verify applications in bulk")
def verify(request: HttpRequest, body: VerifyIn) -> Any:
    require(request.user, Cap.ASSISTANCE_REVIEW)
    visible = selectors.applications_visible_to(request.user)  # type: ignore[arg-type]
    found = list(visible.filter(number__in=body.numbers))
    if len(found) != len(set(body.numbers)):
        raise DomainError(
            "assistance.unknown_application",
            _("Some applications are not in your area."),
            status=404,
        )
    runs = verify_many(applications=found, by=request.user)
    return [
        {
            "number": run.application.number,
            "complete": run.complete,
            "differences": len(run.report["differences"]),
            "failed_sources": run.report["incomplete"],
        }
        for run in runs
    ]


class TextIn(Schema):
    text: str = Field(..., max_length=2000)


@router.post(
    "/applications/{number}/objections", response={201: dict}, summary="Record an objection"
)
def objection(request: HttpRequest, number: str, body: TextIn) -> Any:
    application = _application(request, number, Cap.ASSISTANCE_VIEW)
    made = apps.record_objection(application=application, text=body.text, by=request.user)
    return Status(201, {"id": made.pk})


@router.post("/objections/{objection_id}/resolve", summary="Settle an objection")
def resolve(request: HttpRequest, objection_id: int, body: TextIn) -> Any:
    visible = Objection.objects.filter(
        application__in=selectors.applications_visible_to(request.user)  # type: ignore[arg-type]
    )
    found = lookup(request.user, visible, Cap.ASSISTANCE_REVIEW, pk=objection_id)  # type: ignore[arg-type]
    apps.resolve_objection(objection=found, resolution=body.text, by=request.user)
    return {"id": found.pk, "resolved": True}


class PlanIn(Schema):
    responsible: str = Field(..., max_length=60)
    measures: list[str] | None = None
    review_on: date | None = None


def _plan(plan: Any) -> dict[str, Any]:
    return {
        "household": plan.household_id,
        "score": str(plan.score),
        "breakdown": plan.breakdown,
        "measures": [{"code": m, "label": plans.measure_label(m)} for m in plan.measures],
        "responsible": plan.responsible,
        "review_on": plan.review_on.isoformat(),
    }


@router.post("/applications/{number}/plan", summary="Score the household and keep its plan")
def make_plan(request: HttpRequest, number: str, body: PlanIn) -> Any:
    application = _application(request, number, Cap.ASSISTANCE_REVIEW)
    plan = plans.make_plan(
        application=application,
        responsible=body.responsible,
        measures=body.measures,
        review_on=body.review_on,
        by=request.user,
    )
    return _plan(plan)


@router.get("/households/{household_id}/plan", summary="A household's difficulty index and plan")
def plan_of(request: HttpRequest, household_id: int) -> Any:
    plan = selectors.plan_of(request.user, household_id)  # type: ignore[arg-type]
    if plan is None:
        raise DomainError(
            "assistance.no_plan", _("No plan for this household in your area."), status=404
        )
    require(request.user, Cap.ASSISTANCE_VIEW)
    return _plan(plan)


class PaymentIn(Schema):
    stop: bool
    reason: str = Field(..., max_length=300)


@router.post("/applications/{number}/payment", summary="Stop or resume a payment")
def payment(request: HttpRequest, number: str, body: PaymentIn) -> Any:
    application = _application(request, number, Cap.ASSISTANCE_PAY)
    change = payments.stop_payment if body.stop else payments.resume_payment
    change(application=application, reason=body.reason, by=request.user)
    return present.summary(application)


def _roll(roll: payments.Roll) -> dict[str, Any]:
    def line(x: Any) -> dict[str, Any]:
        a = x.application
        return {
            "application": a.number,
            "household": a.household.number,
            "region": x.region_id,
            "bank_name": a.bank_name,
            "bank_account": payments.mask_account(a.bank_account),
            "amount_fen": x.amount_fen,
            "programmes": x.programmes,
        }

    return {
        "county": roll.county_code,
        "month": roll.month.isoformat(),
        "total_fen": roll.total_fen,
        "lines": [line(x) for x in roll.lines],
        "added": [x.application.number for x in roll.added],
        "changed": [
            {"application": x.application.number, "was_fen": was} for x, was in roll.changed
        ],
        "ended": [x.application.number for x in roll.ended],
    }


class RollIn(Schema):
    county: str = Field(..., min_length=6, max_length=6)
    month: date


@router.post("/roll", summary="Build a county's payment roll for a month (masked)")
def build_roll(request: HttpRequest, body: RollIn) -> Any:
    return _roll(payments.build_roll(county_code=body.county, month=body.month, by=request.user))


class ExportIn(RollIn):
    reason: str = Field(..., max_length=300)


@router.post("/roll/export", summary="The roll as an Excel file for the bank (audit-logged)")
def export_roll(request: HttpRequest, body: ExportIn) -> HttpResponse:
    require(request.user, Cap.ASSISTANCE_PAY)
    if not body.county.startswith(request.user.region_code[:6]):  # type: ignore[union-attr]
        raise DomainError("assistance.bad_county", _("Choose a county in your area."), status=404)
    roll = payments.roll_of(county_code=body.county, month=body.month.replace(day=1))
    data = payments.export_roll(roll=roll, reason=body.reason, by=request.user)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="roll-{body.county}-{body.month:%Y-%m}.xlsx"'
    )
    return response


@router.get("/alerts", summary="Monitoring alerts in my area")
def alerts(request: HttpRequest, open_only: bool = True) -> Any:
    require(request.user, Cap.ASSISTANCE_VIEW)
    rows = selectors.alerts_visible_to(request.user)  # type: ignore[arg-type]
    if open_only:
        rows = rows.filter(closed_at__isnull=True)
    return [
        {
            "id": a.pk,
            "household": a.household.number,
            "region": a.region_id,
            "kind": a.kind,
            "signal": a.signal,
            "signal_label": a.signal_label,
            "due_at": a.due_at.isoformat(),
            "closed": a.closed_at is not None,
        }
        for a in rows[:500]
    ]


@router.post("/alerts/{alert_id}/close", summary="Report what the visit found")
def close_alert(request: HttpRequest, alert_id: int, body: TextIn) -> Any:
    visible = selectors.alerts_visible_to(request.user)  # type: ignore[arg-type]
    alert: Alert = lookup(request.user, visible, Cap.ASSISTANCE_INTAKE, pk=alert_id)  # type: ignore[arg-type]
    monitoring.close_alert(alert=alert, outcome=body.text, by=request.user)
    return {"id": alert.pk, "closed": True}


class AreaIn(Schema):
    area: str = Field(..., min_length=2, max_length=24)


@router.post("/monitoring", summary="Run dynamic monitoring for an area")
def run_monitoring(request: HttpRequest, body: AreaIn) -> Any:
    require(request.user, Cap.ASSISTANCE_REVIEW)
    result = monitoring.run_monitoring(region_code=body.area, by=request.user)
    return result.__dict__


@router.get("/numbers", summary="Coverage, money per month, alerts")
def numbers(request: HttpRequest) -> Any:
    require(request.user, Cap.ASSISTANCE_NUMBERS)
    return selectors.numbers(request.user)  # type: ignore[arg-type]
