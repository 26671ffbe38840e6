"""Pages of the region browser: the tree with breadcrumbs, counts and a map of the children."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from civicgrid.regions import selectors


@login_required
def browse_root(request: HttpRequest) -> HttpResponse:
    return redirect("home")


@login_required
def browse(request: HttpRequest, code: str) -> HttpResponse:
    region = selectors.region_for(request.user, code)
    context = {
        "region": region,
        "crumbs": selectors.breadcrumbs(request.user, region),
        "children": selectors.children_of(request.user, region),
        "tile_url": settings.MAP_TILE_URL,
    }
    return render(request, "regions/browse.html", context)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """The search box's results (an htmx fragment, or a whole page without JavaScript)."""
    query = request.GET.get("q", "")[:50]
    results = selectors.search_regions(request.user, query, limit=30) if query.strip() else []
    template = "regions/_search_results.html" if request.htmx else "regions/search.html"
    return render(request, template, {"results": results, "q": query})
