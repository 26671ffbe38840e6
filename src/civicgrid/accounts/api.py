"""JSON API for the signed-in user: /api/v1/me."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from civicgrid.accounts.roles import CAPABILITIES

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    role_label: str
    # The area the user works in now: their own, or that of a temporary grant they took up.
    region_code: str
    region_name: str
    own_region_code: str
    area_grant_until: datetime | None
    organisation: str | None
    capabilities: list[str]


@router.get("/me", response=MeOut, summary="The signed-in user, their role and area")
def me(request: HttpRequest) -> Any:
    user: Any = request.user
    grant = getattr(request, "area_grant", None)
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "role": user.role,
        "role_label": str(user.get_role_display()) if user.role else "",
        "region_code": user.region_code,
        "region_name": grant.region.name if grant else (user.region.name if user.region_id else ""),
        "own_region_code": user.region_id or "",
        "area_grant_until": grant.expires_at if grant else None,
        "organisation": user.organisation.name if user.organisation_id else None,
        "capabilities": sorted(CAPABILITIES.get(user.role, ())),
    }
