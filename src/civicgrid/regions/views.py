"""Pages of the region browser: the tree with breadcrumbs, counts and a map of the children."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from civicgrid.core.http import region_code_of
from civicgrid.regions import selectors


@login_required
def browse_root(request: HttpRequest) -> HttpResponse:
    return redirect("home")


@login_required
def browse(request: HttpRequest, code: str) -> HttpResponse:
    mine = region_code_of(request)
    region = selectors.region_for(mine, code)
    context = {
        "region": region,
        "crumbs": selectors.breadcrumbs(mine, region),
        "children": selectors.children_of(mine, region),
        "tile_url": settings.MAP_TILE_URL,
        # Capabilities travel on the user object; regions does not import accounts.
        "can_read_register": bool(getattr(request.user, "can", lambda c: False)("people.view")),
    }
    return render(request, "regions/browse.html", context)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """The search box's results (an htmx fragment, or a whole page without JavaScript)."""
    query = request.GET.get("q", "")[:50]
    results = (
        selectors.search_regions(region_code_of(request), query, limit=30) if query.strip() else []
    )
    template = (
        "regions/_search_results.html" if getattr(request, "htmx", False) else "regions/search.html"
    )
    return render(request, template, {"results": results, "q": query})
