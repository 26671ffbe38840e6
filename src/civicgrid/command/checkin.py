"""A field worker's check-in: where they are now, for the map and for "who is nearest"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.core.errors import DomainError
from civicgrid.core.permissions import require
from civicgrid.events.models import FieldPosition
from civicgrid.regions.locate import locate_point
from civicgrid.resources.services import check_point


def check_in(*, by: Any, lng: float, lat: float, now: datetime | None = None) -> FieldPosition:
    """Record the worker's position (one row per worker, overwritten: only the last is kept).

    Not audit-logged: positions change all day and the row itself says who and when; a
    position outside every micro-grid is refused, as it would only mislead the map.
    """
    require(by, Cap.CHECK_IN)
    check_point(lng, lat)
    if locate_point(lng=lng, lat=lat).microgrid_code is None:
        raise DomainError(
            "command.checkin.outside_area",
            _("This point is not inside any micro-grid; check the phone's location."),
        )
    position, _created = FieldPosition.objects.update_or_create(
        user=by, defaults={"lng": lng, "lat": lat, "at": now or timezone.now()}
    )
    return position
