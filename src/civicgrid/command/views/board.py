"""Pages: the live board (lists refreshed by htmx polling) and the one map.

Polling, not server-sent events: a fragment every few seconds works through every proxy and
load balancer of a government network, holds no connection (a synchronous Django worker per
open board would run out), keeps no state in the process (any application server answers),
and costs a few small LIMITed queries; when nothing changed the answer is an empty 204, which
htmx leaves on the page as it is.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicgrid.accounts.roles import Cap
from civicgrid.command import board as boards
from civicgrid.command import map as maps
from civicgrid.core.http import region_code_of
from civicgrid.core.permissions import require
from civicgrid.events import present
from civicgrid.events.models import Category
from civicgrid.regions import selectors as regions
from civicgrid.resources.models import Kind

# Seconds between two polls of the new-reports list (the other lists poll less often).
POLL_SECONDS = 5


def _every(section: boards.Section) -> int:
    return POLL_SECONDS if section.key == "new" else max(POLL_SECONDS, section.every)


@login_required
@require_GET
def board_page(request: HttpRequest) -> HttpResponse:
    sections = boards.board(request.user)
    for section in sections:
        section.every = _every(section)
    area = regions.region_for(region_code_of(request), region_code_of(request))
    return render(
        request,
        "command/board.html",
        {"sections": sections, "area": area, "cases_url": boards.cases_url()},
    )


@require_GET
def board_section(request: HttpRequest, key: str) -> HttpResponse:
    """One list of the board as an htmx fragment; 204 when the page already has it."""
    if not request.user.is_authenticated:
        if getattr(request, "htmx", False):
            # The session ran out while the board was open: the whole page goes to sign-in
            # (a redirect would only put the sign-in form inside the list).
            login = resolve_url(settings.LOGIN_URL)
            return HttpResponse(headers={"HX-Redirect": f"{login}?next={reverse('command:board')}"})
        return redirect_to_login(request.get_full_path())
    boards.require_watch(request.user)
    if key not in boards.SECTIONS:
        raise Http404(key)
    after = request.GET.get("after", "")
    section = boards.section(request.user, key, after=int(after) if after.isdigit() else None)
    section.every = _every(section)
    if request.GET.get("digest") == section.digest:
        return HttpResponse(status=204)
    return render(request, "command/_section.html", {"s": section, "cases_url": boards.cases_url()})


@login_required
@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    require(request.user, Cap.EVENTS_VIEW)
    user: Any = request.user
    area = regions.region_for(region_code_of(request), region_code_of(request))
    options = {
        "can_workers": maps.can_see_workers(user),
        "can_resources": user.can(Cap.RESOURCES_VIEW),
    }
    context = {
        "area": area,
        "tile_url": settings.MAP_TILE_URL,
        "classes": Category.objects.filter(parent__isnull=True, is_active=True).order_by("code"),
        "kinds": Kind.choices,
        "states": _state_choices(),
        "texts": _texts(),
        **options,
    }
    return render(request, "command/map.html", context)


def _texts() -> dict[str, Any]:
    """What the map's script writes, in the reader's language."""
    return {
        "states": {state: present.state_label(state) for state in maps.STATES[1:]},
        "kinds": {code: str(label) for code, label in Kind.choices},
        "loading": _("Loading…"),
        "failed": _("The map could not be loaded."),
        "cases": _("Cases"),
        "clustered": _("grouped"),
        "points": _("each shown"),
        "truncated": _("not all shown: zoom in"),
        "overdue": _("overdue"),
        "open_case": _("Open the case"),
        "nearest_workers": _("Nearest grid workers"),
        "nearest_resources": _("Nearest emergency resources"),
        "none": _("None found."),
        "grid_centre": _("from the grid's centre"),
        "open_orders": _("open orders:"),
    }


def _state_choices() -> list[tuple[str, str]]:
    return [("open", _("all open cases"))] + [
        (state, present.state_label(state)) for state in maps.STATES[1:]
    ]


urlpatterns = [
    path("", board_page, name="board"),
    path("board/<str:key>/", board_section, name="board_section"),
    path("map/", map_page, name="map"),
]
