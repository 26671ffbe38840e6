"""Reads of the place tree, always limited to the subtree of the caller's region."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import DomainError
from civicgrid.core.scoping import HasRegion, root_code
from civicgrid.regions import locate
from civicgrid.regions.levels import ancestor_codes, level_of_code
from civicgrid.regions.models import Region

# Columns a list needs; the boundary (up to kilobytes per row) is read only for maps.
LIST_FIELDS = (
    "code",
    "name",
    "level",
    "parent_id",
    "centroid_lng",
    "centroid_lat",
    "households",
    "residents",
    "source",
)


def regions_visible_to(who: HasRegion | str) -> QuerySet[Region]:
    """Every region in the subtree of `who` (a user or a region code), the root included."""
    return Region.objects.filter(code__startswith=root_code(who))


def check_code(code: str) -> str:
    """Reject a malformed code with a clear error before it reaches the database."""
    if level_of_code(code) is None:
        raise DomainError(
            "regions.malformed_code",
            _("'%(code)s' is not a region code: it must be 2, 4, 6, 9, 12, 15 or 18 digits.")
            % {"code": code[:40]},
        )
    return code


def region_for(who: HasRegion | str, code: str) -> Region:
    """One region by code, or 404 when it does not exist or lies outside the caller's area."""
    check_code(code)
    try:
        return regions_visible_to(who).get(code=code)
    except Region.DoesNotExist:
        raise Http404(code) from None


def check_all_in_area(who: HasRegion | str, codes: Sequence[str]) -> None:
    """404 if any of the codes lies outside the caller's subtree (malformed codes pass here)."""
    root = root_code(who)
    if any(level_of_code(c) is not None and not c.startswith(root) for c in codes):
        raise Http404("outside the caller's area")


def children_of(
    who: HasRegion | str, region: Region, *, with_boundary: bool = False
) -> QuerySet[Region]:
    fields = LIST_FIELDS + (("boundary",) if with_boundary else ())
    return regions_visible_to(who).filter(parent__code=region.code).only(*fields).order_by("code")


def breadcrumbs(who: HasRegion | str, region: Region) -> list[Region]:
    """The chain from the caller's own node down to `region` (nodes above it are not theirs)."""
    codes = [c for c in ancestor_codes(region.code) if c.startswith(root_code(who))]
    chain = list(regions_visible_to(who).filter(code__in=codes).only(*LIST_FIELDS))
    return [*sorted(chain, key=lambda r: len(r.code)), region]


def search_regions(
    who: HasRegion | str, query: str, *, level: int | None = None, limit: int = 50
) -> QuerySet[Region]:
    """Regions whose name contains `query` or whose code starts with it."""
    query = query.strip()
    found = regions_visible_to(who).only(*LIST_FIELDS)
    if query.isdigit():
        found = found.filter(code__startswith=query)
    elif query:
        found = found.filter(Q(name__contains=query))
    if level is not None:
        found = found.filter(level=level)
    return found.order_by("level", "code")[:limit]


def region_rows(regions: QuerySet[Region]) -> list[dict[str, Any]]:
    return list(regions.values(*LIST_FIELDS))


def _outside_area() -> DomainError:
    return DomainError(
        "locate.outside_area",
        _("This point is not inside any micro-grid of your area."),
        status=404,
    )


def locate_in_area(who: HasRegion | str, *, lng: float, lat: float) -> list[Region]:
    """The chain (the caller's own node down to the micro-grid) of the micro-grid holding a point.

    A point in someone else's area answers exactly like a point in the sea.
    """
    root = root_code(who)
    found = locate.locate_point(lng=lng, lat=lat).microgrid_code
    if found is None or not found.startswith(root):
        raise _outside_area()
    codes = [c for c in (*ancestor_codes(found), found) if c.startswith(root)]
    return list(regions_visible_to(root).filter(code__in=codes).only(*LIST_FIELDS).order_by("code"))


def locate_many_in_area(
    who: HasRegion | str, *, lng: Sequence[float], lat: Sequence[float]
) -> list[str | None]:
    """Micro-grid codes for many points; None where a point is outside the caller's area."""
    root = root_code(who)
    codes = locate.locate_points(lng=np.asarray(lng, dtype=float), lat=np.asarray(lat, dtype=float))
    return [c if c is not None and c.startswith(root) else None for c in codes]
