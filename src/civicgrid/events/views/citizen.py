"""Pages for residents: follow one's own case by its number and phone, and rate it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civicgrid.core.errors import DomainError
from civicgrid.core.http import client_ip
from civicgrid.events import loop, present, throttle
from civicgrid.events.models import Incident
from civicgrid.events.services import steps


class TrackForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Case number"), max_length=16)
    phone = forms.CharField(label=gettext_lazy("Phone you reported with"), max_length=20)


class RateForm(TrackForm):
    satisfaction = forms.ChoiceField(
        label=gettext_lazy("How satisfied are you?"),
        choices=Incident.Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _page(
    request: HttpRequest,
    form: forms.Form,
    *,
    incident: Incident | None = None,
    rate_form: RateForm | None = None,
    error: DomainError | None = None,
    notice: str = "",
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "error": error, "notice": notice}
    if incident is not None:
        context["case"] = present.tracking(incident)
        if incident.flow.state == loop.CLOSED and not incident.satisfaction:
            # The phone goes back in a hidden field: the page is the citizen's own, never cached.
            phone = str(form.data.get("phone", ""))
            context["rate_form"] = rate_form or RateForm(
                initial={"number": incident.number, "phone": phone}
            )
    status = error.status if error is not None else 200
    return render(request, "events/citizen/track.html", context, status=status)


@never_cache
def track(request: HttpRequest) -> HttpResponse:
    """Look a case up (POST only, so the phone stays out of addresses and logs)."""
    if request.method != "POST":
        return _page(request, TrackForm())
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _page(request, form)
    try:
        throttle.count_lookup(client_ip(request))
        incident = steps.citizen_case(form.cleaned_data["number"], form.cleaned_data["phone"])
    except DomainError as exc:
        return _page(request, form, error=exc)
    return _page(request, form, incident=incident)


@never_cache
@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    """A citizen rates their closed case; the number and phone prove it is theirs again."""
    lookup = TrackForm(request.POST)
    form = RateForm(request.POST)
    number, phone = str(request.POST.get("number", "")), str(request.POST.get("phone", ""))
    try:
        throttle.count_lookup(client_ip(request))
        if not form.is_valid():  # e.g. no rating chosen: show the case and the form again
            incident = steps.citizen_case(number, phone)
            return _page(request, lookup, incident=incident, rate_form=form)
        incident = steps.evaluate_as_citizen(
            number=number,
            phone=phone,
            satisfaction=form.cleaned_data["satisfaction"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        return _page(request, lookup, error=exc)
    return _page(request, lookup, incident=incident, notice=_("Thank you for your rating."))


urlpatterns = [
    path("track/", track, name="track"),
    path("track/rate/", rate, name="track_rate"),
]
