"""The incident loop's test world: the default categories, photos, and a report helper."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from civicgrid.events import categories
from civicgrid.events.services import intake

# Inside micro-grid A1 (118–119 E, 31–32 N) and A2 (32–33 N); B1 is east of 119 E.
IN_A1 = (118.5, 31.5)
IN_A2 = (118.5, 32.5)
IN_B1 = (119.5, 31.5)
NOWHERE = (121.5, 35.0)  # outside every micro-grid of the test world

ROAD = "0601"  # a pothole-like component: photo required
LITTER = "0101"


def jpeg(color: str = "red", size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _categories(db):
    categories.load_defaults()


@pytest.fixture
def report(world):
    """`report(by=..., at=IN_A1, category=...)` → a freshly reported incident."""

    def _report(by=None, at=IN_A1, category=LITTER, photos=None, **kw):
        incident, _created = intake.report_incident(
            category=category,
            description=kw.pop("description", "路边堆放生活垃圾"),
            by=by or world.grid_worker,
            source=kw.pop("source", "grid_worker"),
            lng=at[0] if at else None,
            lat=at[1] if at else None,
            photos=[jpeg()] if photos is None else photos,
            **kw,
        )
        return incident

    return _report
