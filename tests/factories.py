"""Builders for test data: a small place tree with square boundaries, and users."""

from __future__ import annotations

from datetime import date

import shapely

from civicgrid.accounts import services as account_services
from civicgrid.accounts.models import Organisation, User
from civicgrid.core.identity import make_id_number
from civicgrid.people import services as people_services
from civicgrid.people.models import Household, Resident
from civicgrid.regions.levels import Level
from civicgrid.regions.models import Region

PASSWORD = "Correct-Horse-42!"


def region(
    code: str,
    name: str,
    level: Level,
    box: tuple[float, float, float, float] | None = None,
    households: int = 0,
) -> Region:
    geom = shapely.box(*box) if box else None
    return Region.all_objects.create(
        code=code,
        name=name,
        level=level,
        parent_id=code[: {2: 0, 4: 2, 6: 4, 9: 6, 12: 9, 15: 12, 18: 15}[len(code)]] or None,
        boundary=shapely.to_wkb(geom) if geom is not None else None,
        centroid_lng=geom.centroid.x if geom is not None else None,
        centroid_lat=geom.centroid.y if geom is not None else None,
        households=households,
    )


def user(
    username: str,
    role: str,
    region_code: str,
    organisation: Organisation | None = None,
) -> User:
    return account_services.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        region_code=region_code,
        organisation=organisation,
    )


def id_number(county: str, born: date, order: int) -> str:
    return make_id_number(county, born, order)


def resident(
    household: Household,
    name: str,
    number: str,
    *,
    relation: str = "child",
    phone: str = "",
    tags: list | None = None,
    by=None,
) -> Resident:
    return people_services.register_resident(
        household=household,
        name=name,
        id_number=number,
        relation=relation,
        phone=phone,
        tags=tags or [],
        by=by,
    )
