"""Finding the micro-grid under a point: inside, on a border, outside, bad input, fresh index."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from django.db.models import F
from hypothesis import given, settings
from hypothesis import strategies as st

from civicgrid.core.errors import DomainError
from civicgrid.regions import locate
from civicgrid.regions.locate import MicrogridIndex, get_index
from civicgrid.regions.models import LayerVersion, Region
from tests.regions.geo_tree import make_microgrids, make_tree

GRID = "320113002001001"
# Four micro-grids in a 2 × 2 block: 001 bottom-left, 002 bottom-right, 003 top-left, 004 top-right.
BOXES = {
    f"{GRID}001": (118.0, 32.0, 118.1, 32.1),
    f"{GRID}002": (118.1, 32.0, 118.2, 32.1),
    f"{GRID}003": (118.0, 32.1, 118.1, 32.2),
    f"{GRID}004": (118.1, 32.1, 118.2, 32.2),
}


@pytest.fixture
def index() -> MicrogridIndex:
    # Deliberately out of code order: the index sorts by code itself.
    codes = list(reversed(BOXES))
    return MicrogridIndex(codes, np.array([shapely.box(*BOXES[c]) for c in codes]))


def test_it_finds_the_microgrid_holding_a_point_and_its_whole_chain(index):
    found = index.locate(118.15, 32.15)

    assert found.microgrid_code == f"{GRID}004"
    assert found.chain == ["32", "3201", "320113", "320113002", "320113002001", GRID, f"{GRID}004"]


def test_the_batch_form_finds_each_point_of_many(index):
    found = index.locate_many(
        np.array([118.05, 118.15, 118.05, 118.15]), np.array([32.05, 32.05, 32.15, 32.15])
    )

    assert [index.codes[i] for i in found] == list(BOXES)


def test_a_point_on_a_shared_border_belongs_to_the_smallest_code(index):
    lng = np.array([118.1, 118.05, 118.1, 118.15])
    lat = np.array(
        [32.05, 32.1, 32.1, 32.1]
    )  # 001|002 edge, 001/003 edge, the 4-way corner, 002/004

    found = [index.codes[i] for i in index.locate_many(lng, lat)]
    single = [index.locate(x, y).microgrid_code for x, y in zip(lng, lat, strict=True)]

    expected = [f"{GRID}001", f"{GRID}001", f"{GRID}001", f"{GRID}002"]
    assert found == expected
    assert single == expected


def test_it_returns_outside_for_a_point_in_the_sea(index):
    assert index.locate(122.5, 33.0).outside
    assert index.locate(122.5, 33.0).chain == []
    assert index.locate_many(np.array([122.5, 118.25]), np.array([33.0, 32.05])).tolist() == [
        -1,
        -1,
    ]


def test_a_point_on_the_outer_edge_is_inside(index):
    assert index.locate(118.0, 32.05).microgrid_code == f"{GRID}001"


@pytest.mark.parametrize(
    ("lng", "lat"),
    [(float("nan"), 32.0), (118.0, float("inf")), (181.0, 32.0), (118.0, -90.5)],
)
def test_it_rejects_invalid_coordinates(index, lng, lat):
    with pytest.raises(DomainError) as single:
        index.locate(lng, lat)
    with pytest.raises(DomainError) as batch:
        index.locate_many(np.array([118.05, lng]), np.array([32.05, lat]))

    assert single.value.code == batch.value.code == "locate.invalid_coordinates"
    assert batch.value.details["index"] == 1


def test_it_rejects_unpaired_coordinates(index):
    with pytest.raises(DomainError) as caught:
        index.locate_many(np.array([118.0, 118.1]), np.array([32.0]))
    assert caught.value.code == "locate.invalid_coordinates"


def test_it_handles_holes_and_multipolygons():
    ring = shapely.difference(shapely.box(0, 0, 3, 3), shapely.box(1, 1, 2, 2))
    islands = shapely.MultiPolygon([shapely.box(1.2, 1.2, 1.8, 1.8), shapely.box(5, 5, 6, 6)])
    index = MicrogridIndex(["a", "b"], np.array([ring, islands]))

    found = index.locate_many(
        np.array([0.5, 1.1, 1.5, 5.5, 4.0]), np.array([0.5, 1.1, 1.5, 5.5, 4.0])
    )

    assert found.tolist() == [0, -1, 1, 1, -1]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_the_batch_agrees_with_shapely_on_random_points(seed):
    from civicgrid.regions.layout import layout_grids

    community = shapely.Polygon([(118, 32), (118.04, 32.01), (118.05, 32.05), (118.01, 32.03)])
    layout = layout_grids(["320113002001"], np.array([community]), seed=seed)
    index = MicrogridIndex(layout.micro_codes, layout.micro_geoms)
    rng = np.random.default_rng(seed)
    lng, lat = rng.uniform(117.99, 118.06, 2000), rng.uniform(31.99, 32.06, 2000)

    found = index.locate_many(lng, lat)

    hits = index.tree.query(shapely.points(lng, lat), predicate="intersects")
    expected = np.full(len(lng), np.iinfo(np.int64).max)
    np.minimum.at(expected, hits[0], hits[1])
    expected[expected == np.iinfo(np.int64).max] = -1
    assert np.array_equal(found, expected)


# --- the per-process index and the shared version counter --------------------------------


@pytest.mark.django_db
def test_the_index_is_rebuilt_after_the_boundaries_version_moves_on():
    make_tree({"320113002001": None})
    make_microgrids(GRID, BOXES)
    locate.bump_boundaries_version()
    first = get_index()
    assert get_index() is first
    assert locate.locate_point(lng=118.05, lat=32.05).microgrid_code == f"{GRID}001"

    Region.all_objects.filter(code=f"{GRID}001").update(
        boundary=shapely.to_wkb(shapely.box(117.0, 31.0, 117.1, 31.1))
    )
    assert get_index() is first  # no bump, no rebuild: writers must bump
    locate.bump_boundaries_version()

    assert get_index() is not first
    assert locate.locate_point(lng=118.05, lat=32.05).outside
    assert locate.locate_points(lng=np.array([117.05, 118.15]), lat=np.array([31.05, 32.05])) == [
        f"{GRID}001",
        f"{GRID}002",
    ]


@pytest.mark.django_db
def test_an_empty_layer_answers_outside():
    locate.bump_boundaries_version()

    assert len(get_index()) == 0
    assert locate.locate_point(lng=118.0, lat=32.0).outside


@pytest.mark.django_db
def test_another_process_boundary_change_is_seen_within_the_recheck_time(monkeypatch):
    make_tree({"320113002001": None})
    make_microgrids(GRID, BOXES)
    locate.bump_boundaries_version()
    clock = [1000.0]
    monkeypatch.setattr(locate.time, "monotonic", lambda: clock[0])
    first = get_index()

    # Another process records a change; this one reads the counter at most once a RECHECK.
    LayerVersion.objects.filter(name=locate.BOUNDARIES_LAYER).update(version=F("version") + 1)
    clock[0] += locate.RECHECK_SECONDS / 2
    assert get_index() is first
    clock[0] += locate.RECHECK_SECONDS
    assert get_index() is not first
