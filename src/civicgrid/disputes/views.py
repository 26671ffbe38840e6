"""Pages for mediation staff: the dispute list, intake, one dispute with its actions, numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicgrid.accounts.models import User
from civicgrid.accounts.roles import Cap, Role
from civicgrid.core.errors import DomainError
from civicgrid.core.permissions import require
from civicgrid.disputes import flow as dispute_flow
from civicgrid.disputes import numbers, present, routing, selectors
from civicgrid.disputes.models import Agreement, Colour, Dispute, FollowUp, Session
from civicgrid.disputes.services import attachments, followup, grading, intake, mediation
from civicgrid.workflow.selectors import timeline_of

PAGE_SIZE = 50
app_name = "disputes"


def _field(data: QueryDict, name: str, *, required: bool = True) -> str:
    value = str(data.get(name, "")).strip()
    if required and not value:
        raise DomainError("disputes.missing_field", _("%(field)s is required.") % {"field": name})
    return value


def _int(data: QueryDict, name: str) -> int:
    value = _field(data, name)
    if not value.isdigit():
        raise DomainError("disputes.bad_number", _("%(field)s must be a number.") % {"field": name})
    return int(value)


def _date(data: QueryDict, name: str) -> date:
    value = parse_date(_field(data, name))
    if value is None:
        raise DomainError("disputes.bad_dates", _("%(field)s must be a date.") % {"field": name})
    return value


def _moment(data: QueryDict, name: str) -> datetime:
    value = parse_datetime(_field(data, name))
    if value is None:
        raise DomainError("disputes.bad_time", _("%(field)s must be a date and time.") % {"field": name})  # fmt: skip
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    filters = {k: g.get(k, "") for k in ("state", "colour", "dispute_type", "area", "q")}
    for name in ("organisation", "mediator"):
        filters[name] = int(g[name]) if g.get(name, "").isdigit() else None  # type: ignore[assignment]
    qs = selectors.filter_disputes(selectors.disputes_visible_to(request.user), **filters)  # type: ignore[arg-type]
    page = Paginator(qs, PAGE_SIZE).get_page(g.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "states": [(s.name, s.label) for s in dispute_flow.DISPUTE.states],
        "colours": Colour.choices,
        "types": selectors.active_types(),
    }
    return render(request, "disputes/list.html", context)


# --- intake ------------------------------------------------------------------------------------

PARTY_FIELDS = ("name", "id_number", "phone", "address", "claims")


def _parties(data: QueryDict) -> list[dict[str, Any]]:
    out = []
    for prefix, role in (("a", "applicant"), ("r", "respondent"), ("t", "third")):
        party: dict[str, Any] = {"role": role, "kind": data.get(f"{prefix}_kind", "person")}
        resident = str(data.get(f"{prefix}_resident", "")).strip()
        if resident.isdigit():
            party["resident_id"] = int(resident)
        for name in PARTY_FIELDS:
            party[name] = str(data.get(f"{prefix}_{name}", ""))
        if prefix == "t" and not party["name"].strip() and "resident_id" not in party:
            continue
        if "resident_id" not in party and not party["name"].strip():
            continue  # a missing side is refused by the service: "parties missing"
        out.append(party)
    return out


@login_required
def new_case(request: HttpRequest) -> HttpResponse:
    require(request.user, Cap.DISPUTES_INTAKE)
    error = None
    if request.method == "POST":
        p = request.POST
        try:
            dispute = intake.receive_dispute(
                by=request.user,
                source=p.get("source", "window"),
                dispute_type=p.get("dispute_type", ""),
                facts=p.get("facts", ""),
                parties=_parties(p),
                amount=p.get("amount") or 0,
                people_involved=int(p["people_involved"])
                if p.get("people_involved", "").isdigit()
                else None,
                repeat_petitions=int(p.get("repeat_petitions") or 0)
                if str(p.get("repeat_petitions", "0")).isdigit()
                else 0,
                threat_violence=bool(p.get("threat_violence")),
                threat_self_harm=bool(p.get("threat_self_harm")),
                group_incident=bool(p.get("group_incident")),
                vulnerable_party=bool(p.get("vulnerable_party")),
                region_code=p.get("region_code", ""),
                address=p.get("address", ""),
                source_ref=p.get("source_ref", ""),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Dispute %(number)s registered.") % {"number": dispute.number})  # fmt: skip
            return redirect("disputes:case", number=dispute.number)
    context = {
        "types": selectors.active_types(),
        "sources": Dispute.Source.choices,
        "error": error,
        "posted": request.POST if error else {},
        "area": getattr(request.user, "region_code", ""),
    }
    return render(request, "disputes/new.html", context, status=error.status if error else 200)


# --- one dispute -------------------------------------------------------------------------------


def _page(request: HttpRequest, dispute: Dispute, error: DomainError | None = None, failed: str = "") -> HttpResponse:  # fmt: skip
    user: Any = request.user
    detail = present.detail(dispute, user)
    can_route = user.can(Cap.DISPUTES_ROUTE)
    context = {
        "d": detail,
        "dispute": dispute,
        "suggestions": routing.suggest(dispute)
        if can_route and detail["state"] in dispute_flow.OPEN_STATES
        else [],
        "mediators": User.objects.filter(
            role=Role.MEDIATOR, organisation_id=dispute.organisation_id, is_active=True
        )
        if dispute.organisation_id
        else [],
        "can": {
            "route": can_route,
            "mediate": user.can(Cap.DISPUTES_MEDIATE)
            and dispute.organisation_id == getattr(user, "organisation_id", None),
            "follow_up": user.can(Cap.DISPUTES_FOLLOW_UP),
            "intake": user.can(Cap.DISPUTES_INTAKE),
        },
        "timeline": timeline_of(dispute.flow),
        "channels": Dispute.NextChannel.choices,
        "performances": FollowUp.Performance.choices,
        "modes": Session.Mode.choices,
        "today": timezone.localdate(),
        "error": error,
        "failed": failed,
    }
    return render(request, "disputes/case.html", context, status=error.status if error else 200)


@login_required
def case(request: HttpRequest, number: str) -> HttpResponse:
    return _page(request, selectors.dispute_for(request.user, number))


def _version(p: QueryDict) -> int:
    return _int(p, "version")


def _agreement(d: Dispute, u: Any, p: QueryDict) -> Any:
    return mediation.record_agreement(
        dispute=d, by=u, version=_version(p), disputed_issues=p.get("disputed_issues", ""),
        content=p.get("content", ""), performance_method=p.get("performance_method", ""),
        performance_deadline=_date(p, "performance_deadline"), effective_on=_date(p, "effective_on"),
        partial=bool(p.get("partial")),
    )  # fmt: skip


def _confirmation(d: Dispute, u: Any, p: QueryDict) -> Any:
    found = Agreement.objects.filter(dispute=d).first()
    if found is None:
        raise DomainError("disputes.no_agreement", _("This dispute has no agreement."))
    decided = parse_date(str(p.get("decided_on", "")))
    return mediation.record_confirmation(agreement=found, by=u, status=p.get("status", ""), court=p.get("court", ""), applied_on=_date(p, "applied_on"), decided_on=decided)  # fmt: skip


def _facts(d: Dispute, u: Any, p: QueryDict) -> Any:
    changes: dict[str, Any] = {n: bool(p.get(n)) for n in ("threat_violence", "threat_self_harm", "group_incident", "vulnerable_party")}  # fmt: skip
    changes["amount"] = p.get("amount") or 0
    changes["people_involved"] = _int(p, "people_involved")
    changes["repeat_petitions"] = _int(p, "repeat_petitions")
    return grading.change_facts(dispute=d, by=u, version=_version(p), reason=p.get("reason", ""), **changes)  # fmt: skip


Action = Callable[[Dispute, Any, QueryDict], Any]


def _no_action(d: Dispute, u: Any, p: QueryDict) -> None:
    return None


ACTIONS: dict[str, tuple[Action, Any]] = {
    "facts": (_facts, gettext_lazy("Facts changed and the dispute re-graded.")),
    "route": (
        lambda d, u, p: mediation.route(
            dispute=d,
            organisation_id=_int(p, "organisation"),
            by=u,
            version=_version(p),
            note=p.get("note", ""),
        ),
        gettext_lazy("Routed."),
    ),
    "assign": (
        lambda d, u, p: mediation.assign_mediator(
            dispute=d, mediator_id=_int(p, "mediator"), by=u, version=_version(p)
        ),
        gettext_lazy("Mediator assigned."),
    ),
    "session": (
        lambda d, u, p: mediation.schedule_session(
            dispute=d,
            starts_at=_moment(p, "starts_at"),
            mode=p.get("mode", ""),
            place=p.get("place", ""),
            by=u,
        ),
        gettext_lazy("Session planned; the parties are told."),
    ),
    "record": (
        lambda d, u, p: mediation.record_session(
            session=selectors.session_for(u, d, _int(p, "session")),
            record=p.get("record", ""),
            attendees=p.get("attendees", ""),
            by=u,
        ),
        gettext_lazy("Session recorded."),
    ),
    "agreement": (_agreement, gettext_lazy("Agreement recorded; follow-up visits planned.")),
    "no_agreement": (
        lambda d, u, p: mediation.record_no_agreement(
            dispute=d,
            by=u,
            version=_version(p),
            next_channel=p.get("next_channel", ""),
            note=p.get("note", ""),
        ),
        gettext_lazy("No agreement recorded."),
    ),
    "withdraw": (
        lambda d, u, p: mediation.withdraw(
            dispute=d, by=u, version=_version(p), reason=p.get("reason", "")
        ),
        gettext_lazy("Withdrawal recorded."),
    ),
    "confirmation": (_confirmation, gettext_lazy("Judicial confirmation recorded.")),
    "follow_up": (
        lambda d, u, p: followup.record_follow_up(
            follow_up=selectors.follow_up_for(d, _int(p, "follow_up")),
            performance=p.get("performance", ""),
            note=p.get("note", ""),
            by=u,
        ),
        gettext_lazy("Follow-up visit recorded."),
    ),
    "close": (
        lambda d, u, p: followup.close(dispute=d, by=u, version=_version(p)),
        gettext_lazy("Dispute closed."),
    ),
    "reopen": (
        lambda d, u, p: followup.reopen(
            dispute=d, by=u, version=_version(p), reason=p.get("reason", "")
        ),
        gettext_lazy("Dispute reopened."),
    ),
}


@login_required
@require_POST
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One action from the dispute page; a refusal shows the page again with the reason."""
    if action not in ACTIONS and action != "attach":
        raise Http404(action)
    dispute = selectors.dispute_for(request.user, number)
    take, done = ACTIONS.get(action) or (_no_action, gettext_lazy("File attached."))
    try:
        if action == "attach":
            upload = request.FILES.get("file")
            if upload is None:
                raise DomainError("disputes.missing_field", _("Choose a file to attach."))
            if upload.size is not None and upload.size > attachments.MAX_BYTES:
                raise DomainError("disputes.file_too_large", _("A file may be at most 10 MB."))
            attachments.add_attachment(dispute=dispute, name=upload.name or "", data=upload.read(), by=request.user)  # fmt: skip
        else:
            take(dispute, request.user, request.POST)
    except DomainError as exc:
        return _page(request, selectors.dispute_for(request.user, number), error=exc, failed=action)
    messages.success(request, str(done))
    return redirect("disputes:case", number=dispute.number)


# --- numbers -----------------------------------------------------------------------------------


@login_required
def numbers_page(request: HttpRequest) -> HttpResponse:
    g = request.GET
    by = g.get("by", "area") if g.get("by") in numbers.GROUPINGS else "area"
    data = numbers.report(
        request.user, area=g.get("area", ""), since=parse_date(g.get("since", "") or "") or None,
        until=parse_date(g.get("until", "") or "") or None, by=by,
    )  # fmt: skip
    filter_of = {"area": "area", "organisation": "organisation", "mediator": "mediator", "type": "dispute_type", "colour": "colour"}  # fmt: skip
    context = {"data": data, "groupings": numbers.GROUPINGS, "filter_name": filter_of[by], "query": g.urlencode()}  # fmt: skip
    template = "disputes/_numbers.html" if request.headers.get("HX-Request") else "disputes/numbers.html"  # fmt: skip
    return render(request, template, context)


urlpatterns = [
    path("", case_list, name="list"),
    path("new/", new_case, name="new"),
    path("numbers/", numbers_page, name="numbers"),
    path("<str:number>/", case, name="case"),
    path("<str:number>/act/<str:action>/", act, name="act"),
]
