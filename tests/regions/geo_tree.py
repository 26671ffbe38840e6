"""A tiny place tree for the geometry tests: 32 → 3201 → 320113 → 320113002 → communities."""

from __future__ import annotations

import shapely

from civicgrid.regions.levels import Level, parent_code
from civicgrid.regions.models import Region

TOWN = "320113002"
COMMUNITY_BOXES = {
    f"{TOWN}001": (118.80, 32.10, 118.82, 32.12),
    f"{TOWN}002": (118.82, 32.10, 118.84, 32.12),
}
OFFICIAL = [
    ("32", Level.PROVINCE),
    ("3201", Level.CITY),
    ("320113", Level.COUNTY),
    (TOWN, Level.TOWN),
]


def make_tree(
    communities: dict[str, tuple[float, float, float, float] | None] | None = None,
) -> None:
    """The official chain down to the town, and communities with box boundaries (or none)."""
    boxes = COMMUNITY_BOXES if communities is None else communities
    for code, level in OFFICIAL:
        Region.all_objects.create(
            code=code, name=code, level=level, parent_id=parent_code(code), households=7
        )
    Region.all_objects.bulk_create(
        Region(
            code=code,
            name=code,
            level=Level.COMMUNITY,
            parent_id=TOWN,
            boundary=None if box is None else shapely.to_wkb(shapely.box(*box)),
        )
        for code, box in boxes.items()
    )


def make_microgrids(grid: str, boxes: dict[str, tuple[float, float, float, float]]) -> None:
    """A grid under an existing community and its micro-grids with box boundaries."""
    Region.all_objects.create(code=grid, name=grid, level=Level.GRID, parent_id=grid[:12])
    Region.all_objects.bulk_create(
        Region(
            code=code,
            name=code,
            level=Level.MICROGRID,
            parent_id=grid,
            boundary=shapely.to_wkb(shapely.box(*box)),
        )
        for code, box in boxes.items()
    )
