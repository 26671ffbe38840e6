"""Reads of the emergency resources register, limited to the caller's area."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.core.errors import NotFound
from civicgrid.core.identity import mask_phone
from civicgrid.core.scoping import HasRegion, root_code
from civicgrid.resources.models import Resource

_EARTH_M = 6_371_000.0
# "Who is nearest" looks in growing boxes around the point until it has enough candidates.
SEARCH_RADII_M = (1_000.0, 3_000.0, 10_000.0, 30_000.0, 100_000.0)
MAX_NEAREST = 20


def resources_visible_to(who: HasRegion | str, *, active: bool | None = True) -> QuerySet[Resource]:
    """Resources in the area of `who` (a user or a region code); in service only by default."""
    qs = Resource.objects.filter(region__code__startswith=root_code(who))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def resource_for(who: HasRegion | str, pk: int) -> Resource:
    found = resources_visible_to(who, active=None).filter(pk=pk).first()
    if found is None:
        raise NotFound("resources.not_found", _("There is no such resource in your area."))
    return found


def filter_resources(
    qs: QuerySet[Resource], *, kind: str = "", area: str = "", q: str = ""
) -> QuerySet[Resource]:
    if kind:
        qs = qs.filter(kind=kind)
    if area:
        qs = qs.filter(region__code__startswith=area)
    if q.strip():
        qs = qs.filter(Q(name__contains=q.strip()) | Q(address__contains=q.strip()))
    return qs


def in_box(qs: QuerySet[Resource], west: float, south: float, east: float, north: float) -> Any:
    return qs.filter(lng__gte=west, lng__lte=east, lat__gte=south, lat__lte=north)


def may_see_phone(user: Any) -> bool:
    """Who keeps the register calls its contacts; everyone else sees the phone masked."""
    return bool(getattr(user, "can", lambda c: False)(Cap.RESOURCES_EDIT))


def resource_row(resource: Resource, *, full_phone: bool) -> dict[str, Any]:
    phone = resource.contact_phone
    return {
        "id": resource.pk,
        "kind": resource.kind,
        "kind_label": str(resource.get_kind_display()),
        "name": resource.name,
        "address": resource.address,
        "capacity": resource.capacity,
        "capacity_unit": resource.capacity_unit,
        "contact_name": resource.contact_name,
        "contact_phone": phone if full_phone or not phone else mask_phone(phone),
        "lng": resource.lng,
        "lat": resource.lat,
        "area": resource.region_id,
        "note": resource.note,
        "is_active": resource.is_active,
    }


def distance_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_M * math.asin(min(1.0, math.sqrt(a)))


def _box(lng: float, lat: float, metres: float) -> tuple[float, float, float, float]:
    dlat = metres / 111_320.0
    dlng = metres / (111_320.0 * max(0.01, math.cos(math.radians(lat))))
    return lng - dlng, lat - dlat, lng + dlng, lat + dlat


@dataclass(frozen=True)
class Near:
    resource: Resource
    distance_m: float


def nearest_resources(
    who: HasRegion | str,
    *,
    lng: float,
    lat: float,
    kinds: list[str] | None = None,
    limit: int = 5,
) -> list[Near]:
    """The in-service resources of the caller's area nearest to a point, nearest first.

    Boxes grow until one holds `limit` resources (indexed on the point), then the candidates
    are ranked by great-circle distance.
    """
    limit = max(1, min(limit, MAX_NEAREST))
    base = resources_visible_to(who)
    if kinds:
        base = base.filter(kind__in=kinds)
    reach = SEARCH_RADII_M[-1]
    for radius in SEARCH_RADII_M:
        if in_box(base, *_box(lng, lat, radius)).values_list("pk")[:limit].count() >= limit:
            reach = radius
            break
    # Everything within `reach` is in that box; the k-th nearest may sit in its corner, so the
    # candidates come from a box √2 wider.
    found = list(in_box(base, *_box(lng, lat, reach * math.sqrt(2)))[:5000])
    ranked = sorted(
        (Near(r, distance_m(lng, lat, r.lng, r.lat)) for r in found), key=lambda n: n.distance_m
    )
    return ranked[:limit]
