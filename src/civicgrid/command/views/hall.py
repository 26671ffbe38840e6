"""Pages: the leader's big screen (决策分析一个厅) for a wall display. The page shows the numbers
it was rendered with, then refreshes them from /api/v1/command/hall every minute."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from civicgrid.accounts.roles import Cap
from civicgrid.command import hall as queries
from civicgrid.command import indicators
from civicgrid.core.permissions import require

REFRESH_SECONDS = 60


@login_required
def hall(request: HttpRequest) -> HttpResponse:
    # The area asked for (404 outside the user's own), then the right to see numbers (403).
    indicators.in_scope(request.user, request.GET.get("area"))
    require(request.user, Cap.COMMAND_VIEW)
    region = indicators.area_for(request.user, request.GET.get("area"))
    data = queries.screen(region.code)
    context = {
        "region": region,
        "data": data,
        "kpis": data["kpis"],
        "refresh_seconds": REFRESH_SECONDS,
        "tile_url": settings.MAP_TILE_URL,
    }
    return render(request, "command/hall/page.html", context)


urlpatterns: list[URLPattern] = [path("hall/", hall, name="hall")]
