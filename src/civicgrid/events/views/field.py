"""Pages: field reporting from a phone — the report form, its receipt, and the offline worker."""

from __future__ import annotations

import uuid
from itertools import groupby
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import URLPattern, path, reverse
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicgrid.accounts.roles import Cap, Role
from civicgrid.core.errors import DomainError
from civicgrid.core.http import region_code_of
from civicgrid.core.permissions import require
from civicgrid.events import present, selectors
from civicgrid.events.models import Incident, Priority
from civicgrid.events.services import intake

# Which form field a service's error belongs beside; codes ending in "." match a whole family.
# Errors with a `field` detail (missing or too long text) name their field themselves.
FIELD_OF_CODE = {
    "events.unknown_category": "category",
    "events.photo_required": "photos",
    "events.too_many_photos": "photos",
    "photo.": "photos",
    "events.bad_priority": "priority",
    "events.location_required": "position",
    "events.unknown_region": "position",
    "locate.": "position",
}
FORM_FIELDS = ("category", "description", "priority", "photos", "position", "address")
# The Django form's fields for the longitude and latitude are shown as one "position".
_SHOWN_AS = {"lng": "position", "lat": "position", "client_key": "form"}

# Bumped when the service worker's caching changes, so phones drop the old cache.
SERVICE_WORKER_VERSION = "1"


def field_for(code: str, details: dict[str, Any] | None = None) -> str:
    """The field an error is shown beside, or "form" for the whole form."""
    named = (details or {}).get("field")
    if named in FORM_FIELDS:
        return str(named)
    family = code.split(".", 1)[0] + "."
    return FIELD_OF_CODE.get(code) or FIELD_OF_CODE.get(family) or "form"


class ReportForm(forms.Form):
    """The fields of a report as the page posts them (the same names as the JSON API's)."""

    category = forms.CharField(max_length=8, label=gettext_lazy("Category"))
    description = forms.CharField(max_length=2000, label=gettext_lazy("What did you see?"))
    priority = forms.BooleanField(required=False)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    address = forms.CharField(max_length=200, required=False)
    client_key = forms.CharField(max_length=64, required=False)

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if (data.get("lng") is None) != (data.get("lat") is None):
            raise forms.ValidationError(
                _("Give both longitude and latitude, or neither."), code="position"
            )
        return data


def _form_errors(form: ReportForm) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        shown = "position" if name == "__all__" else _SHOWN_AS.get(name, name)
        errors.setdefault(shown, []).extend(str(m) for m in messages)
    return errors


def _source(user: Any) -> str:
    # As the JSON API decides: the people on the ground report as grid workers.
    if getattr(user, "role", "") in (Role.GRID_WORKER, Role.LIAISON):
        return str(Incident.Source.GRID_WORKER)
    return str(Incident.Source.HOTLINE)


def _photos(request: HttpRequest) -> list[bytes]:
    """The uploaded photos' bytes; sizes are checked before anything is read into memory."""
    limit = int(settings.PHOTO_MAX_BYTES)
    # One more than allowed is enough for the service to refuse "too many" with its own words.
    files = request.FILES.getlist("photos")[: intake.MAX_PHOTOS + 1]
    for upload in files:
        if upload.size is not None and upload.size > limit:
            raise DomainError(
                "photo.too_large",
                format_lazy(gettext_lazy("A photo may be at most {size} MB."), size=f"{limit / 2**20:.3g}"),
                max_bytes=limit,
            )  # fmt: skip
    return [upload.read() for upload in files if upload.size]


def _category_groups() -> list[dict[str, Any]]:
    english = (get_language() or "").startswith("en")

    def name(category: Any) -> str:
        return str(category.name_en if english and category.name_en else category.name)

    rows = selectors.categories_for_reporting().order_by("parent_id", "code")
    return [
        {
            "name": name(parent),
            "items": [
                {"code": c.code, "name": name(c), "photo_required": c.photo_required}
                for c in children
            ],
        }
        for parent, children in groupby(rows, key=lambda c: c.parent)
    ]


def _my_reports(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "number": i.number,
            "category": i.category.name,
            "state": present.state_label(i.flow.state),
            "reported_at": i.reported_at,
            "place": i.region.name if i.location_confirmed else "",
        }
        for i in selectors.reports_by(user)[:10]
    ]


def _page_context(request: HttpRequest) -> dict[str, Any]:
    code = region_code_of(request)
    return {
        "groups": _category_groups(),
        "my_reports": _my_reports(request.user),
        "map_url": reverse("api:region_map", args=[code]) if code else "",
        "tile_url": settings.MAP_TILE_URL,
        "field_of_code": FIELD_OF_CODE,
        "max_photos": intake.MAX_PHOTOS,
        "max_photo_mb": f"{int(settings.PHOTO_MAX_BYTES) / 2**20:.3g}",
        "script_text": {
            "waiting": _("Waiting for the network"),
            "sending": _("Sending…"),
            "sent": _("Sent: case %(number)s"),
            "auth": _("Sign in again, then send: it waits on this phone"),
            "error": _("Not accepted: fix it or discard it"),
            "edit": _("Fix"),
            "discard": _("Discard"),
            "dismiss": _("Remove from the list"),
            "confirm_discard": _("Discard this report? It has not been sent."),
            "queued": _(
                "No network: the report is kept on this phone and sent when the network returns."
            ),
            "queued_auth": _(
                "Your session has ended: the report is kept on this phone. Sign in again to send it."
            ),
            "photo_required": _("A photo is required for this category."),
            "no_map": _("The map is not available now; use your position or type the address."),
            "no_position": _("Your position could not be found: tap the map or type the address."),
            "unplaced": _("Location to be confirmed"),
            "edited": _("The report is back in the form; photos are kept if this browser can."),
        },
    }


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The report form. Without JavaScript it posts here; with it, field.js posts to the API and
    keeps what cannot be sent yet in the phone's outbox."""
    require(request.user, Cap.EVENTS_REPORT)
    errors: dict[str, list[str]] = {}
    lost_photos = False
    # A key per form: posting the same page twice (a double tap, a retry) makes one case.
    client_key = uuid.uuid4().hex
    if request.method == "POST":
        form = ReportForm(request.POST)
        client_key = str(request.POST.get("client_key", ""))[:64] or client_key
        lost_photos = bool(request.FILES.getlist("photos"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident, _created = intake.report_incident(
                    category=data["category"],
                    description=data["description"],
                    by=request.user,
                    source=_source(request.user),
                    lng=data["lng"],
                    lat=data["lat"],
                    address=data["address"],
                    photos=_photos(request),
                    priority=Priority.EMERGENCY if data["priority"] else None,
                    client_key=data["client_key"] or None,
                )
            except DomainError as exc:
                message = str(exc.message)
                if exc.code == "events.idempotency_mismatch":
                    # That key is spent on the case already made; this form may make a new one.
                    message += f" ({exc.details.get('number', '')})"
                    client_key = uuid.uuid4().hex
                errors = {field_for(exc.code, exc.details): [message]}
            else:
                return redirect("events:report_done", number=incident.number)
        else:
            errors = _form_errors(form)
    else:
        form = ReportForm()
    context = _page_context(request) | {
        "form": form,
        "client_key": client_key,
        "errors": errors,
        "lost_photos": lost_photos and bool(errors),
    }
    return render(request, "events/field/report.html", context)


@login_required
def report_done(request: HttpRequest, number: str) -> HttpResponse:
    """The receipt of one of the user's own reports: its number, micro-grid and grid worker."""
    require(request.user, Cap.EVENTS_REPORT)
    incident = selectors.reports_by(request.user).filter(number=number.upper()).first()
    if incident is None:
        raise Http404(number)
    worker = incident.responsible_worker
    context = {
        "incident": incident,
        "state": present.state_label(incident.flow.state),
        "worker": (worker.get_full_name() or worker.username) if worker else "",
        "my_reports": _my_reports(request.user),
    }
    return render(request, "events/field/done.html", context)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The report page's service worker. Served from /events/ so it may control the page; it
    holds no data of its own, so it is public (an expired session must not break its update)."""
    context = {
        "version": SERVICE_WORKER_VERSION,
        "page_url": reverse("events:report"),
        "static_url": static(""),
        "map_prefix": reverse("api:region_map", args=["0"]).rsplit("/0/", 1)[0] + "/",
    }
    response = render(
        request, "events/field/sw.js", context, content_type="text/javascript; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("events:report")
    return response


urlpatterns: list[URLPattern] = [
    path("report/", report, name="report"),
    path("report/<str:number>/", report_done, name="report_done"),
    path("sw.js", service_worker, name="service_worker"),
]
