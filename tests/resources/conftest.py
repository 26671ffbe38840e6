"""The register's test helpers: points of the test world and a resource maker."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from civicgrid.resources import services

# Inside micro-grid A1 (118–119 E, 31–32 N) and A2 (32–33 N); B1 is east of 119 E.
IN_A1 = (118.5, 31.5)
IN_A2 = (118.5, 32.5)
IN_B1 = (119.5, 31.5)
NOWHERE = (121.5, 35.0)


@pytest.fixture
def add(world):
    """`add(kind=..., at=IN_A1, by=...)` → a resource made through the service."""

    def _add(kind="shelter", at=IN_A1, by=None, name="尧化门小学避难场所", **kw):
        with scopes_disabled():
            return services.create_resource(
                kind=kind, name=name, lng=at[0], lat=at[1], by=by or world.town_operator, **kw
            )

    return _add
