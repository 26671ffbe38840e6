"""Pages of the desks and handlers: my tasks, the case list, one case with its actions."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, register_converter
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicgrid.accounts.roles import Cap
from civicgrid.core.errors import DomainError, NotFound
from civicgrid.core.http import region_code_of
from civicgrid.core.permissions import require
from civicgrid.events import loop, present, selectors
from civicgrid.events.models import Category, Incident
from civicgrid.events.services import escalation
from civicgrid.events.views import desk_actions
from civicgrid.regions import geojson

PAGE_SIZE = 50


class CaseNumber:
    """A case number in a URL (date and six characters), so /events/track/ is never one."""

    regex = "[0-9]{6}[0-9A-Za-z]{6}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(CaseNumber, "case")

YES_NO = [("", "—"), ("yes", gettext_lazy("yes")), ("no", gettext_lazy("no"))]
STATES = [
    ("", "—"),
    ("open", gettext_lazy("all open")),
    *[(s.name, s.label) for s in loop.INCIDENT.states],
]


def _categories() -> list[tuple[str, str]]:
    """Classes and their subclasses in code order; a class filters all of its subclasses."""
    rows = Category.objects.filter(is_active=True).order_by("code")
    return [("", "—")] + [
        (c.code, f"{'' if c.parent_id is None else '· '}{c.code} {c.name}") for c in rows
    ]


class CaseFilterForm(forms.Form):
    """The case list's filters; every field optional, all kept in the query string."""

    state = forms.ChoiceField(label=gettext_lazy("State"), choices=STATES, required=False)
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=_categories, required=False
    )
    area = forms.CharField(label=gettext_lazy("Area code"), max_length=24, required=False)
    overdue = forms.ChoiceField(label=gettext_lazy("Overdue"), choices=YES_NO, required=False)
    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        choices=[("", "—"), *Incident.Source.choices],
        required=False,
    )
    supervised = forms.ChoiceField(label=gettext_lazy("Supervised"), choices=YES_NO, required=False)
    # The command centre's numbers link here with a period (Beijing dates, end not included),
    # and for counts of a step (dispatched, closed …) the step and the department.
    since = forms.DateField(label=gettext_lazy("From"), required=False)
    until = forms.DateField(label=gettext_lazy("Until (not included)"), required=False)
    step = forms.SlugField(required=False, max_length=40, widget=forms.HiddenInput)
    department = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, root: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.root = root

    def clean_area(self) -> str:
        area = str(self.cleaned_data["area"]).strip()
        if area and not area.startswith(self.root):
            message = _("Choose an area inside your own (%(code)s…).") % {"code": self.root}
            raise forms.ValidationError(message)
        return area

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data

        def yes_no(value: str) -> bool | None:
            return {"yes": True, "no": False}.get(value)

        return {
            "state": data["state"],
            "category": data["category"],
            "area": data["area"],
            "overdue": yes_no(data["overdue"]),
            "source": data["source"],
            "supervised": yes_no(data["supervised"]),
            "since": _midnight(data["since"]),
            "until": _midnight(data["until"]),
            "step": data["step"] or "",
            "department": data["department"],
        }


def _midnight(day: date | None) -> datetime | None:
    """The start of a Beijing day (the site's time zone), or None."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


def _viewer(request: HttpRequest) -> Any:
    require(request.user, Cap.EVENTS_VIEW)
    return request.user


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    """What waits for me, soonest deadline first; a department also sees its summonses."""
    user = _viewer(request)
    summonses = (
        list(selectors.pending_summonses(user)[:100]) if user.can(Cap.EVENTS_ACKNOWLEDGE) else []
    )
    context = {"tasks": list(selectors.my_tasks(user)[:200]), "summonses": summonses}
    return render(request, "events/desk/tasks.html", context)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    form = CaseFilterForm(request.GET or None, root=region_code_of(request))
    found = selectors.incidents_visible_to(user)
    if form.is_bound:
        found = (
            selectors.filter_incidents(found, **form.filters()) if form.is_valid() else found.none()
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "events/desk/list.html", {"form": form, "page": page})


def _case_page(
    request: HttpRequest,
    incident: Incident,
    *,
    error: DomainError | None = None,
    failed: str = "",
) -> HttpResponse:
    actions = selectors.actions_for(incident, request.user)
    area = geojson.feature(incident.region)
    context = {
        "case": present.incident_detail(incident, actions),
        "incident": incident,
        "actions": actions,
        "choices": desk_actions.choices(incident, request.user, actions),
        "satisfaction": Incident.Satisfaction.choices,
        "map": {"lng": incident.lng, "lat": incident.lat, "area": area["geometry"]},
        "tile_url": settings.MAP_TILE_URL,
        "summons_hours": escalation.DEFAULT_SUMMONS_HOURS,
        "error": error,
        # A refused form comes back filled in, so a long reason is not lost.
        "posted": {failed: request.POST} if error is not None else {},
    }
    return render(request, "events/desk/case.html", context, status=error.status if error else 200)


@login_required
def case(request: HttpRequest, number: str) -> HttpResponse:
    user = _viewer(request)
    return _case_page(request, selectors.incident_for(user, number))


@login_required
@require_POST
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Take one action from the case page; a refusal shows the case again with the reason."""
    user = _viewer(request)
    if action not in desk_actions.ACTIONS:
        raise Http404(action)
    incident = selectors.incident_for(user, number)
    try:
        done = desk_actions.take(action, incident, request)
    except DomainError as exc:
        # Read the case afresh: a refused service may have touched the object in memory.
        fresh = selectors.incident_for(user, number)
        return _case_page(request, fresh, error=exc, failed=action)
    messages.success(request, done)
    if not selectors.incidents_visible_to(user).filter(pk=incident.pk).exists():
        return redirect("events:tasks")  # e.g. a department that sent the order back
    return redirect("events:case", number=incident.number)


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """报到: a summoned department reports for duty."""
    require(request.user, Cap.EVENTS_ACKNOWLEDGE)
    summons = selectors.pending_summonses(request.user).filter(pk=pk).first()
    if summons is None:
        raise NotFound(
            "events.summons_not_found", _("There is no such summons for your department.")
        )
    try:
        escalation.acknowledge(summons=summons, by=request.user, note=request.POST.get("note", ""))
        messages.success(request, _("Your department has reported for duty."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("events:tasks")


urlpatterns = [
    path("", case_list, name="list"),
    path("tasks/", tasks, name="tasks"),
    path("summonses/<int:pk>/acknowledge/", acknowledge, name="acknowledge"),
    path("<case:number>/", case, name="case"),
    path("<case:number>/act/<str:action>/", act, name="act"),
]
