"""Writes to the emergency resources register: create, update, take out of service — audited."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.core.audit import log_action, register_action
from civicgrid.core.errors import DomainError, NotFound
from civicgrid.core.identity import parse_phone
from civicgrid.core.permissions import require
from civicgrid.core.scoping import is_within
from civicgrid.regions.locate import locate_point
from civicgrid.resources.models import Kind, Resource

register_action("resources.resource.created", _("added an emergency resource"))
register_action("resources.resource.updated", _("changed an emergency resource"))
register_action("resources.resource.deactivated", _("took an emergency resource out of service"))

MAX_CAPACITY = 10_000_000
# Fixed lines of facilities: an area code and 7–8 digits. Area codes are 010 and 020–029
# (three digits) or four digits for every other city (0511 镇江, 0512 苏州 …).
_LANDLINE = re.compile(r"(0[12]\d|0[3-9]\d\d)(\d{7,8})")
# What a caller may change, with the limits each text field has.
TEXT_FIELDS = {"name": 100, "address": 200, "capacity_unit": 20, "contact_name": 50, "note": 500}
EDITABLE = {*TEXT_FIELDS, "kind", "capacity", "contact_phone", "lng", "lat", "is_active"}


def _text(value: Any, field: str, *, required: bool = False) -> str:
    cleaned = str(value if value is not None else "").strip()
    if required and not cleaned:
        raise DomainError(
            "resources.missing_field", _("%(field)s is required.") % {"field": field}, field=field
        )
    limit = TEXT_FIELDS[field]
    if len(cleaned) > limit:
        raise DomainError(
            "resources.too_long",
            _("%(field)s is longer than %(max)d characters.") % {"field": field, "max": limit},
            field=field,
            max_length=limit,
        )
    return cleaned


def clean_kind(value: Any) -> str:
    if value not in Kind.values:
        raise DomainError(
            "resources.unknown_kind",
            _("Unknown type of resource; choose one of: %(kinds)s.")
            % {"kinds": ", ".join(Kind.values)},
            kind=str(value)[:40],
        )
    return str(value)


def clean_phone(value: Any) -> str:
    """A mobile (11 digits) or a landline written as area code-number; empty stays empty."""
    raw = str(value or "").strip()
    if not raw:
        return ""
    landline = _LANDLINE.fullmatch(re.sub(r"[\s()\-]", "", raw))
    if landline is not None:
        return f"{landline[1]}-{landline[2]}"
    try:
        return parse_phone(raw)
    except DomainError:
        raise DomainError(
            "resources.bad_phone",
            _("Enter a mobile number (11 digits) or a landline such as 025-84561234."),
        ) from None


def clean_capacity(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CAPACITY:
        raise DomainError(
            "resources.bad_capacity",
            _("Capacity is a whole number from 0 to %(max)d.") % {"max": MAX_CAPACITY},
        )
    return value


def check_point(lng: Any, lat: Any) -> None:
    """Raise `locate.invalid_coordinates` unless (lng, lat) is a finite WGS-84 coordinate."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lng, lat))
    if not (numbers and math.isfinite(lng) and math.isfinite(lat)) or (
        abs(lng) > 180 or abs(lat) > 90
    ):
        raise DomainError(
            "locate.invalid_coordinates",
            _("Coordinates must be a longitude in [-180, 180] and a latitude in [-90, 90]."),
        )


def place(lng: Any, lat: Any, by: Any) -> str:
    """The micro-grid holding the point, which must lie in the caller's area."""
    check_point(lng, lat)
    found = locate_point(lng=float(lng), lat=float(lat)).microgrid_code
    # A point in someone else's area answers exactly like a point in the sea.
    if found is None or not is_within(found, by):
        raise DomainError(
            "resources.outside_area",
            _("This point is not inside any micro-grid of your area."),
            lng=lng,
            lat=lat,
        )
    return found


def clean(values: Mapping[str, Any], *, by: Any) -> dict[str, Any]:
    """Check the given fields (any subset of EDITABLE) and return them cleaned; the point, when
    given, comes back with its micro-grid as `region_id`."""
    unknown = set(values) - EDITABLE
    if unknown:
        raise DomainError(
            "resources.unknown_field",
            _("These fields cannot be set: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
        )
    out: dict[str, Any] = {}
    for field in TEXT_FIELDS:
        if field in values:
            out[field] = _text(values[field], field, required=field == "name")
    if "kind" in values:
        out["kind"] = clean_kind(values["kind"])
    if "capacity" in values:
        out["capacity"] = clean_capacity(values["capacity"])
    if "contact_phone" in values:
        out["contact_phone"] = clean_phone(values["contact_phone"])
    if "is_active" in values:
        out["is_active"] = bool(values["is_active"])
    if "lng" in values or "lat" in values:
        lng, lat = values.get("lng"), values.get("lat")
        out.update(lng=lng, lat=lat, region_id=place(lng, lat, by))
    return out


def create_resource(
    *,
    kind: str,
    name: str,
    lng: float,
    lat: float,
    by: Any,
    capacity: int | None = None,
    capacity_unit: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    note: str = "",
) -> Resource:
    """Add a resource at a point inside the caller's area (`by` None: the system, e.g. the demo)."""
    if by is not None:
        require(by, Cap.RESOURCES_EDIT)
    fields = clean(
        {
            "kind": kind, "name": name, "lng": lng, "lat": lat, "capacity": capacity,
            "capacity_unit": capacity_unit, "contact_name": contact_name,
            "contact_phone": contact_phone, "address": address, "note": note,
        },
        by=by,
    )  # fmt: skip
    now = timezone.now()
    with transaction.atomic():
        resource = Resource.all_objects.create(**fields, created_at=now, updated_at=now)
        log_action(
            resource,
            "resources.resource.created",
            by=by,
            data={"kind": resource.kind, "region": resource.region_id},
        )
    return resource


def _mine(resource: Resource, by: Any) -> None:
    if not is_within(resource.region_id, by):
        raise NotFound("resources.not_found", _("There is no such resource in your area."))


def update_resource(*, resource: Resource, by: Any, changes: Mapping[str, Any]) -> Resource:
    """Change some fields of a resource; moving it places it in the micro-grid of its new point."""
    _mine(resource, by)
    if by is not None:
        require(by, Cap.RESOURCES_EDIT)
    if ("lng" in changes) != ("lat" in changes):
        raise DomainError(
            "resources.point_incomplete", _("Give both the longitude and the latitude.")
        )
    fields = clean(changes, by=by)
    with transaction.atomic():
        current = Resource.all_objects.select_for_update().get(pk=resource.pk)
        changed = sorted(k for k, v in fields.items() if getattr(current, k) != v)
        if not changed:
            return current
        for key in changed:
            setattr(current, key, fields[key])
        current.updated_at = timezone.now()
        current.save(update_fields=[*changed, "updated_at"])
        # Field names only: the audit log need not hold a second copy of a contact's phone.
        log_action(current, "resources.resource.updated", by=by, data={"fields": changed})
    return current


def deactivate_resource(*, resource: Resource, by: Any, reason: str = "") -> Resource:
    """Take a resource out of service (it stays in the register and the audit log)."""
    _mine(resource, by)
    if by is not None:
        require(by, Cap.RESOURCES_EDIT)
    reason = str(reason or "").strip()[:500]
    with transaction.atomic():
        current = Resource.all_objects.select_for_update().get(pk=resource.pk)
        if not current.is_active:
            return current
        current.is_active = False
        current.updated_at = timezone.now()
        current.save(update_fields=["is_active", "updated_at"])
        log_action(current, "resources.resource.deactivated", by=by, data={"reason": reason})
    return current
