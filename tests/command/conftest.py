"""The command centre's tests use the incident loop's helpers (categories, `report`, points)."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.events.conftest import _categories, report  # noqa: F401 - fixtures used here too


@pytest.fixture
def town_b_operator(world):
    """The desk of the sibling town: sees its own town, nothing of town A."""
    return f.user("tina_town_b", "town_operator", world.town_b.code)


def bulk_cases(world, n, *, box=(118.0, 31.0, 119.0, 32.0), region=None, state="registered",
               priority=0, seed=1):  # fmt: skip
    """`n` open cases at random points of `box`, written in bulk (as the benchmark does)."""
    import random

    from civicgrid.events.models import Incident
    from civicgrid.workflow.models import Flow

    rng = random.Random(seed)
    region = region or world.micro_a1.code
    flows = Flow.all_objects.bulk_create(
        Flow(workflow="incident", state=state, region_id=region, category="0101") for _ in range(n)
    )
    Incident.all_objects.bulk_create(
        Incident(
            number=f"B{seed:02d}{i:07d}",
            flow=flow,
            category_id="0101",
            priority=priority,
            description="bulk",
            lng=rng.uniform(box[0] + 1e-6, box[2] - 1e-6),
            lat=rng.uniform(box[1] + 1e-6, box[3] - 1e-6),
            region_id=region,
            desk_id=region[:12],
            source="grid_worker",
        )
        for i, flow in enumerate(flows)
    )
