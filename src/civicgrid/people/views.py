"""Pages of the register: search, the micro-grid book, a resident, changes, import, counts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicgrid.core.errors import DomainError
from civicgrid.core.http import region_code_of
from civicgrid.core.permissions import require
from civicgrid.people import excel, selectors, services
from civicgrid.people.forms import (
    CountForm,
    ImportForm,
    ProposeForm,
    RejectForm,
    RevealForm,
    SearchForm,
)
from civicgrid.people.models import ChangeRequest
from civicgrid.regions import selectors as region_selectors


def _can(request: HttpRequest, capability: str) -> bool:
    user: Any = request.user
    return bool(user.can(capability))


def _page(request: HttpRequest, rows: Any, size: int = 50) -> Any:
    return Paginator(rows, size).get_page(request.GET.get("page"))


@login_required
def search(request: HttpRequest) -> HttpResponse:
    require(request.user, "people.view")
    form = SearchForm(request.GET or None, viewer=request.user)
    page = None
    if form.is_bound and form.is_valid() and any(form.cleaned_data.values()):
        found = selectors.search_residents(region_code_of(request), form.as_filter())
        if request.GET.get("export"):
            require(request.user, "people.export")
            return excel.export_response(found, by=request.user, filters=form.cleaned_data)
        page = _page(request, found)
    return render(
        request,
        "people/search.html",
        {"form": form, "page": page, "can_export": _can(request, "people.export")},
    )


@login_required
def book(request: HttpRequest, code: str) -> HttpResponse:
    """The grid worker's book (登记造册): households of an area with members and tags."""
    require(request.user, "people.view")
    mine = region_code_of(request)
    region = region_selectors.region_for(mine, code)
    page = _page(request, selectors.households_in(mine, code), size=20)
    return render(request, "people/book.html", {"region": region, "page": page})


@login_required
def resident(request: HttpRequest, pk: int) -> HttpResponse:
    mine = region_code_of(request)
    person = selectors.resident_for(mine, pk)
    require(request.user, "people.view")
    context = {
        "person": person,
        "history": selectors.history_of(person)[:50],
        "reveal_form": RevealForm(),
        "propose_form": ProposeForm(),
        "revealed": None,
        "can_unmask": _can(request, "people.view_unmasked"),
        "can_propose": _can(request, "people.submit_change"),
    }
    if request.method == "POST":
        form = RevealForm(request.POST)
        context["reveal_form"] = form
        if form.is_valid():
            value = services.reveal(
                resident=person,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
            context["revealed"] = (form.cleaned_data["field"], value)
    return render(request, "people/resident.html", context)


@login_required
@require_POST
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.resident_for(region_code_of(request), pk)
    form = ProposeForm(request.POST)
    if form.is_valid():
        payload = {k: v for k, v in form.cleaned_data.items() if v}
        if not payload:
            messages.error(request, _("Fill in at least one field to change."))
        else:
            try:
                services.submit_change(
                    kind=ChangeRequest.Kind.UPDATE_RESIDENT,
                    payload=payload,
                    resident=person,
                    by=request.user,
                )
                messages.success(request, _("Your change was submitted for confirmation."))
            except DomainError as exc:
                messages.error(request, str(exc.message))
    return redirect("people:resident", pk=pk)


@login_required
def changes(request: HttpRequest) -> HttpResponse:
    require(request.user, "people.view")
    status = request.GET.get("status", ChangeRequest.Status.SUBMITTED)
    found = selectors.changes_visible_to(region_code_of(request), status=status)
    return render(
        request,
        "people/changes.html",
        {"page": _page(request, found), "status": status, "reject_form": RejectForm()},
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    if decision not in ("confirm", "reject"):
        raise Http404(decision)
    change = selectors.change_for(region_code_of(request), pk)
    try:
        if decision == "confirm":
            services.confirm_change(change=change, by=request.user)
            messages.success(request, _("The change was confirmed and applied."))
        else:
            form = RejectForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.reject_change(change=change, reason=reason, by=request.user)
            messages.success(request, _("The change was rejected."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("people:changes")


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "people.edit")
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = excel.import_residents(form.cleaned_data["file"], by=request.user)
        except DomainError as exc:
            form.add_error("file", str(exc.message))
    return render(request, "people/import.html", {"form": form, "report": report})


@login_required
def counts(request: HttpRequest) -> HttpResponse:
    require(request.user, "people.count")
    form = CountForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        total, per_child = selectors.count_residents(
            region_code_of(request),
            area=data["area"],
            tag=data["tag"],
            min_age=data["min_age"],
            max_age=data["max_age"],
            by_child=True,
        )
        names = dict(
            region_selectors.regions_visible_to(region_code_of(request))
            .filter(code__in=list(per_child))
            .values_list("code", "name")
        )
        result = {
            "total": total,
            "rows": [(code, names.get(code, code), n) for code, n in per_child.items()],
        }
    return render(request, "people/counts.html", {"form": form, "result": result})
