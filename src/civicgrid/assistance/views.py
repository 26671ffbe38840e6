"""Pages of social assistance: the list with numbers, a new application, one application with
its steps (and the audit-logged unmasked panel, loaded by htmx), alerts, the payment roll."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicgrid.accounts.access import lookup
from civicgrid.accounts.roles import Cap
from civicgrid.assistance import loop, present, selectors
from civicgrid.assistance.models import KINDS, Application, Section
from civicgrid.assistance.services import applications as apps
from civicgrid.assistance.services import monitoring, payments
from civicgrid.assistance.services.verification import verify_many
from civicgrid.assistance.standards import Programme, yuan_to_fen
from civicgrid.core.errors import DomainError
from civicgrid.core.permissions import require
from civicgrid.workflow import services as flows

# Household-level figures the window asks for; amounts in yuan (incomes: last 12 months).
FORM_ITEMS = [(Section.INCOME, kind) for kind in KINDS[Section.INCOME]] + [
    (Section.EXCLUDED, "pension_base"),
    (Section.DEDUCTION, "medical"),
    (Section.DEDUCTION, "education"),
    (Section.ASSET, "deposits"),
    (Section.ASSET, "securities"),
    (Section.EXPENDITURE, "medical"),
]
COUNTED_FORM = [(Section.ASSET, "vehicle"), (Section.ASSET, "housing")]


def _one(request: HttpRequest, number: str, capability: str = Cap.ASSISTANCE_VIEW) -> Application:
    visible = selectors.applications_visible_to(request.user)  # type: ignore[arg-type]
    return lookup(request.user, visible, capability, number=number)  # type: ignore[arg-type]


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not (user.can(Cap.ASSISTANCE_VIEW) or user.can(Cap.ASSISTANCE_NUMBERS)):
        raise PermissionDenied
    rows = []
    if user.can(Cap.ASSISTANCE_VIEW):
        state = request.GET.get("state", "")
        queryset = selectors.applications_visible_to(user)
        if state:
            queryset = queryset.filter(flow__state=state)
        rows = [present.summary(a) for a in queryset[:200]]
    numbers = selectors.numbers(user) if user.can(Cap.ASSISTANCE_NUMBERS) else None
    return render(
        request,
        "assistance/list.html",
        {
            "rows": rows,
            "states": [(s.name, s.label) for s in loop.APPLICATION.states],
            "numbers": numbers,
            # The programmes by their names, not their codes.
            "programmes": [
                (Programme(code).label, row) for code, row in numbers["programmes"].items()
            ]
            if numbers
            else [],
        },
    )


def _posted_items(request: HttpRequest) -> list[apps.ItemIn]:
    items = []
    for section, kind in FORM_ITEMS:
        raw = request.POST.get(f"{section}-{kind}", "").strip()
        if raw:
            try:
                fen = yuan_to_fen(raw)
            except ValueError:
                raise DomainError(
                    "assistance.bad_amount", _("%(value)s is not an amount.") % {"value": raw}
                ) from None
            items.append(apps.ItemIn(section=section, kind=kind, amount_fen=fen))
    for section, kind in COUNTED_FORM:
        raw = request.POST.get(f"{section}-{kind}", "").strip() or "0"
        if not raw.isdigit() or int(raw) > 20:
            raise DomainError("assistance.bad_count", _("Enter how many, 0 to 20."))
        items += [apps.ItemIn(section=section, kind=kind, amount_fen=0)] * int(raw)
    return items


@login_required
def new_application(request: HttpRequest) -> HttpResponse:
    require(request.user, Cap.ASSISTANCE_INTAKE)
    error = None
    if request.method == "POST":
        try:
            month = request.POST.get("month", "")
            application = apps.register_application(
                applicant_id_number=request.POST.get("id_number", ""),
                by=request.user,
                channel=request.POST.get("channel", "window"),
                month=date.fromisoformat(month + "-01") if month else None,
                items=_posted_items(request),
                urgent_event=request.POST.get("urgent") == "on",
                bank_name=request.POST.get("bank_name", ""),
                bank_account=request.POST.get("bank_account", ""),
            )
        except (DomainError, ValueError) as exc:
            error = (
                exc
                if isinstance(exc, DomainError)
                else DomainError("assistance.bad_month", _("Enter the month as YYYY-MM."))
            )
        else:
            messages.success(
                request, _("Application %(number)s registered.") % {"number": application.number}
            )
            if selectors.applications_visible_to(request.user).filter(pk=application.pk).exists():  # type: ignore[arg-type]
                return redirect("assistance:detail", number=application.number)
            return redirect("assistance:list")  # 省内通办: it went to the responsible town
    fields = [(f"{s}-{k}", KINDS[s][k], Section(s).label) for s, k in FORM_ITEMS]
    counted = [(f"{s}-{k}", KINDS[s][k]) for s, k in COUNTED_FORM]
    return render(
        request,
        "assistance/new.html",
        {
            "fields": fields,
            "counted": counted,
            "error": error,
            "posted": request.POST,
            "channels": Application.Channel.choices,
        },
        status=400 if error else 200,
    )


def _detail_page(
    request: HttpRequest, application: Application, error: DomainError | None = None
) -> HttpResponse:
    # The notice is published by the town's decision: the page's step is "propose".
    offered = (
        flows.available_transitions(application.flow, request.user) if application.flow else []
    )
    steps = ["propose" if t.name == "publish_notice" else t.name for t in offered]
    user: Any = request.user
    state = application.flow.state if application.flow else ""
    context = {
        "a": present.detail(application, figures=present.sees_figures(user)),
        "steps": steps,
        "can_verify": user.can(Cap.ASSISTANCE_REVIEW) and state in loop.OPEN_STATES[:3],
        "can_object": state == loop.NOTICE,
        "can_unmask": user.can(Cap.ASSISTANCE_UNMASK),
        "can_pay": user.can(Cap.ASSISTANCE_PAY) and application.payment != Application.Payment.NONE,
        "timeline": flows_timeline(application),
        "error": error,
    }
    return render(request, "assistance/detail.html", context, status=400 if error else 200)


def flows_timeline(application: Application) -> list[Any]:
    from civicgrid.workflow.selectors import timeline_of

    return list(timeline_of(application.flow)) if application.flow else []


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    return _detail_page(request, _one(request, number))


STEPS = {
    "accept",
    "record_visit",
    "propose",
    "close_notice",
    "approve",
    "send_back",
    "refuse",
    "withdraw",
    "verify",
    "objection",
    "resolve",
    "stop",
    "resume",
}


@login_required
@require_POST
def act(request: HttpRequest, number: str, step: str) -> HttpResponse:
    application = _one(request, number)
    if step not in STEPS:
        raise PermissionDenied
    post = request.POST
    try:
        version = int(post.get("version", "0") or 0)
        common: dict[str, Any] = {"application": application, "by": request.user}
        if step == "verify":
            verify_many(applications=[application], by=request.user)
        elif step == "objection":
            apps.record_objection(text=post.get("text", ""), **common)
        elif step == "resolve":
            objection = application.objections.filter(
                pk=int(post.get("objection", "0") or 0)
            ).first()
            if objection is None:
                raise DomainError("assistance.no_objection", _("There is no such objection."))
            apps.resolve_objection(
                objection=objection, resolution=post.get("text", ""), by=request.user
            )
        elif step in ("stop", "resume"):
            change = payments.stop_payment if step == "stop" else payments.resume_payment
            change(reason=post.get("reason", ""), **common)
        elif step == "record_visit":
            apps.record_visit(visit=post.get("visit", ""), version=version, **common)
        elif step in ("send_back", "refuse", "withdraw"):
            getattr(apps, step)(reason=post.get("reason", ""), version=version, **common)
        else:
            getattr(apps, step)(version=version, **common)
    except DomainError as exc:
        return _detail_page(request, _one(request, number), error=exc)
    messages.success(request, _("Done."))
    return redirect("assistance:detail", number=application.number)


@login_required
@require_POST
def unmask(request: HttpRequest, number: str) -> HttpResponse:
    """The itemised panel (htmx swaps it in); each opening is audit-logged with its reason."""
    application = _one(request, number, Cap.ASSISTANCE_UNMASK)
    try:
        apps.reveal(application=application, reason=request.POST.get("reason", ""), by=request.user)
    except DomainError as exc:
        return render(request, "assistance/_unmasked.html", {"error": exc}, status=400)
    return render(
        request, "assistance/_unmasked.html", {"a": present.detail(application, unmasked=True)}
    )


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    require(user, Cap.ASSISTANCE_VIEW)
    if request.method == "POST":
        visible = selectors.alerts_visible_to(request.user)  # type: ignore[arg-type]
        try:
            if request.POST.get("run"):
                require(request.user, Cap.ASSISTANCE_REVIEW)
                result = monitoring.run_monitoring(region_code=user.region_code, by=user)
                messages.success(
                    request,
                    _("Checked %(n)s households; %(a)s new alerts.")
                    % {"n": result.checked, "a": result.no_longer + result.hardship},
                )
            else:
                alert = lookup(
                    user, visible, Cap.ASSISTANCE_INTAKE, pk=request.POST.get("alert", "0")
                )
                monitoring.close_alert(
                    alert=alert, outcome=request.POST.get("outcome", ""), by=request.user
                )
                messages.success(request, _("Done."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("assistance:alerts")
    rows = selectors.alerts_visible_to(request.user).filter(closed_at__isnull=True)[:500]  # type: ignore[arg-type]
    return render(request, "assistance/alerts.html", {"rows": rows})


@login_required
def roll(request: HttpRequest) -> HttpResponse:
    require(request.user, Cap.ASSISTANCE_PAY)
    county = request.GET.get("county") or request.user.region_code[:6]  # type: ignore[union-attr]
    month_text = request.GET.get("month", "")
    error, built = None, None
    try:
        month = (
            date.fromisoformat(month_text + "-01") if month_text else date.today().replace(day=1)
        )
        if request.method == "POST":
            if request.POST.get("export"):
                built = payments.roll_of(county_code=county, month=month)
                data = payments.export_roll(
                    roll=built, reason=request.POST.get("reason", ""), by=request.user
                )
                response = HttpResponse(
                    data,
                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
                response["Content-Disposition"] = (
                    f'attachment; filename="roll-{county}-{month:%Y-%m}.xlsx"'
                )
                return response
            built = payments.build_roll(county_code=county, month=month, by=request.user)
        else:
            built = payments.roll_of(county_code=county, month=month)
    except (DomainError, ValueError) as exc:
        error = exc
        month = date.today().replace(day=1)
    return render(
        request,
        "assistance/roll.html",
        {
            "roll": built,
            "county": county,
            "month": month,
            "error": error,
            "lines": [(x, payments.mask_account(x.application.bank_account)) for x in built.lines]
            if built
            else [],
        },
        status=400 if error else 200,
    )


app_name = "assistance"
urlpatterns = [
    path("", application_list, name="list"),
    path("new/", new_application, name="new"),
    path("alerts/", alerts, name="alerts"),
    path("roll/", roll, name="roll"),
    path("<str:number>/", detail, name="detail"),
    path("<str:number>/act/<str:step>/", act, name="act"),
    path("<str:number>/unmask/", unmask, name="unmask"),
]
