"""Taking in a report: check it, locate it, route it to its desk, keep its photos — once."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.models import User
from civicgrid.accounts.roles import Cap, Role
from civicgrid.core import photos as photo_files
from civicgrid.core.actor import acting_as, current_actor
from civicgrid.core.errors import Conflict, DomainError
from civicgrid.core.identity import parse_phone
from civicgrid.core.permissions import require
from civicgrid.events import categories, loop
from civicgrid.events.models import Category, FieldPosition, Incident, Photo, Priority
from civicgrid.events.services.common import LEVEL_OF_LENGTH, announce, desk_staff, tell, text
from civicgrid.regions.locate import locate_point, validate_coordinates
from civicgrid.regions.models import Region
from civicgrid.workflow import services as flows

MAX_PHOTOS = 6
NUMBER_ATTEMPTS = 3
# Crockford's base32 without I, L, O, U: easy to read out over the phone.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_number(now: datetime) -> str:
    """A case number a citizen can read out: date, then six random characters (1 in 10^9)."""
    local = timezone.localtime(now)
    return f"{local:%y%m%d}" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


def _category(code: str) -> Category:
    category = categories.reportable(code)
    if category is None:
        raise DomainError(
            "events.unknown_category",
            _("There is no category %(code)s to report against.") % {"code": code},
            category=code,
        )
    return category


def _digest(**fields: Any) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def _replay(client_key: str, digest: str) -> Incident | None:
    """The case an earlier submission with this key created, if the body is the same."""
    earlier = Incident.all_objects.filter(client_key=client_key).select_related("flow").first()
    if earlier is None:
        return None
    if earlier.client_digest != digest:
        raise Conflict(
            "events.idempotency_mismatch",
            _("This report was already sent with different content; it was not changed."),
            number=earlier.number,
        )
    return earlier


def _locate(lng: float | None, lat: float | None) -> str | None:
    if lng is None or lat is None:
        return None
    validate_coordinates(np.array([lng], dtype=float), np.array([lat], dtype=float))
    return locate_point(lng=lng, lat=lat).microgrid_code


def _fallback_region(by: Any, fallback: str | None) -> str:
    """Where an unlocated report waits: the reporter's town centre, or the jurisdiction."""
    code = fallback or getattr(by, "region_code", "") or ""
    if not code:
        raise DomainError(
            "events.location_required",
            _("Give the place of the incident (a point on the map)."),
        )
    return code[:9] if len(code) > 9 else code


def _responsible_worker(microgrid: str) -> User | None:
    """The grid worker of the grid holding the micro-grid (the first, if several)."""
    return (
        User.objects.filter(region_id=microgrid[:15], role=Role.GRID_WORKER, is_active=True)
        .only("pk", "username", "first_name", "last_name")  # what a report's answer shows
        .order_by("pk")
        .first()
    )


def clean_photos(photos: Sequence[bytes]) -> list[photo_files.CleanPhoto]:
    if len(photos) > MAX_PHOTOS:
        raise DomainError(
            "events.too_many_photos",
            _("At most %(max)d photos per report.") % {"max": MAX_PHOTOS},
            max=MAX_PHOTOS,
        )
    return [photo_files.clean_photo(data) for data in photos]


def store_photos(
    incident: Incident, cleaned: Sequence[photo_files.CleanPhoto], stage: str, now: datetime
) -> list[Photo]:
    rows = [
        Photo(
            incident=incident,
            stage=stage,
            file=photo_files.save_photo(photo, folder="incidents"),
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            sha256=photo.sha256,
            taken_at=photo.taken_at,
            lng=photo.longitude,
            lat=photo.latitude,
            uploaded_at=now,
        )
        for photo in cleaned
    ]
    return Photo.objects.bulk_create(rows)


def report_incident(
    *,
    category: str,
    description: str,
    by: Any,
    source: str,
    lng: float | None = None,
    lat: float | None = None,
    address: str = "",
    photos: Sequence[bytes] = (),
    priority: int | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    client_key: str | None = None,
    fallback_region: str | None = None,
    attributes: dict[str, Any] | None = None,
    media_url: str = "",
    now: datetime | None = None,
) -> tuple[Incident, bool]:
    """Take in one report; returns (incident, created). A replay of the same `client_key` with
    the same content returns the first case and creates nothing.

    `media_url` is a link an outside client (Open311) gave to its own copy of a photo: it is
    kept as given, never fetched, and stands in for a required photo."""
    if by is not None:
        require(by, Cap.EVENTS_REPORT)
    if source not in Incident.Source.values:
        raise DomainError("events.unknown_source", _("Unknown report source."), source=source)
    cat = _category(category)
    description = text(description, field="description", max_length=2000)
    address = text(address, field="address", max_length=200, required=False)
    if priority is not None and priority not in Priority.values:
        raise DomainError("events.bad_priority", _("Priority must be 0, 1 or 2."))
    reporter_name = text(reporter_name, field="name", max_length=50, required=False)
    reporter_phone = parse_phone(reporter_phone) if (reporter_phone or "").strip() else ""
    media_url = text(media_url, field="media_url", max_length=500, required=False)
    # A reporter may raise the priority (an emergency) but never lower the category's.
    level = max(cat.priority, priority or 0)
    key = (client_key or "").strip() or None
    if key is not None and len(key) > 64:
        raise DomainError("events.bad_client_key", _("The report key is at most 64 characters."))
    digest = ""
    if key is not None:
        digest = _digest(
            category=cat.code, description=description, lng=lng, lat=lat, address=address,
            priority=level, phone=reporter_phone,
            photos=[hashlib.sha256(p).hexdigest() for p in photos],
            # Only when given, so that keys sent before links existed still match.
            **({"media_url": media_url} if media_url else {}),
        )  # fmt: skip
        # Most keys are new, so no probe first: a replay fails on the key's unique index when
        # its case is written, before any photo is kept, and is answered with the first case.
    cleaned = clean_photos(photos)
    if cat.photo_required and not cleaned and not media_url:
        raise DomainError(
            "events.photo_required",
            _("A photo is required for %(category)s.") % {"category": cat.name},
            category=cat.code,
        )
    microgrid = _locate(lng, lat)
    fields = dict(
        cat=cat, description=description, by=by, source=source, lng=lng, lat=lat,
        address=address, priority=level, microgrid=microgrid,
        fallback=_fallback_region(by, fallback_region) if microgrid is None else "",
        reporter_name=reporter_name, reporter_phone=reporter_phone, key=key, digest=digest,
        attributes=attributes or {}, media_url=media_url, cleaned=cleaned,
        now=now or timezone.now(),
    )  # fmt: skip
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                return _create(**fields), True
        except IntegrityError:
            # Two submissions with one key raced; the other one won and is the answer.
            earlier = _replay(key, digest) if key is not None else None
            if earlier is not None:
                return earlier, False
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
            # Otherwise two cases drew the same random number (about 1 in 10^9): draw again.
    raise AssertionError("unreachable")  # the loop returns or raises


def _create(
    *,
    cat: Category,
    description: str,
    by: Any,
    source: str,
    lng: float | None,
    lat: float | None,
    address: str,
    priority: int,
    microgrid: str | None,
    fallback: str,
    reporter_name: str,
    reporter_phone: str,
    key: str | None,
    digest: str,
    attributes: dict[str, Any],
    media_url: str,
    cleaned: Sequence[photo_files.CleanPhoto],
    now: datetime,
) -> Incident:
    region = microgrid or fallback
    # A located micro-grid comes from the boundaries in the database; a fallback is checked.
    if microgrid is None and not Region.all_objects.filter(code=region).exists():
        raise DomainError(
            "events.unknown_region", _("There is no area %(code)s.") % {"code": region}
        )
    desk = microgrid[:12] if microgrid else region
    # Anyone may report what they see anywhere; the case belongs to the place, not the reporter.
    actor = current_actor()
    with acting_as(user=by, source_ip=actor.source_ip, label=actor.label or source):
        flow = flows.start_flow(
            workflow=loop.NAME,
            region_code=region,
            by=None,
            category=cat.code,
            priority=priority,
            now=now,
        )
    incident = Incident.all_objects.create(
        number=new_number(now),
        flow=flow,
        category=cat,
        priority=priority,
        description=description,
        address=address,
        lng=lng,
        lat=lat,
        region_id=region,
        location_confirmed=microgrid is not None,
        desk_id=desk,
        level=LEVEL_OF_LENGTH.get(len(desk), Incident.Level.COUNTY),
        source=source,
        reporter=by if isinstance(by, User) else None,
        reporter_name=reporter_name[:50] or (by.get_full_name() if isinstance(by, User) else ""),
        reporter_phone=reporter_phone[:20],
        responsible_worker=_responsible_worker(microgrid) if microgrid else None,
        client_key=key,
        client_digest=digest,
        open311_attributes=attributes,
        media_url=media_url,
        reported_at=now,
    )
    store_photos(incident, cleaned, Photo.Stage.REPORT, now)
    announce(incident, "reported", now)
    if isinstance(by, User) and lng is not None and lat is not None:
        # One upsert (INSERT … ON CONFLICT DO UPDATE) rather than a locked read and a write.
        FieldPosition.objects.bulk_create(
            [FieldPosition(user=by, lng=lng, lat=lat, at=now)],
            update_conflicts=True,
            unique_fields=["user"],
            update_fields=["lng", "lat", "at"],
        )
    if priority == Priority.EMERGENCY or microgrid is None:
        # Emergencies and places to confirm cannot wait for someone to open the list.
        tell(desk_staff(desk), incident, "events.needs_attention", str(cat.name))
    return incident
