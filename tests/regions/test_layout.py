"""The grid generator and the synthetic official boundaries keep their geometric promises."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st

from civicgrid.regions.layout import Node, layout_grids, official_boundaries, tile_randomly

AREA_TOLERANCE = 1e-9


def _l_shape(x: float, y: float, w: float, h: float) -> shapely.Geometry:
    """A non-convex community: a box with its top-right quarter cut away."""
    return shapely.difference(
        shapely.box(x, y, x + w, y + h), shapely.box(x + w / 2, y + h / 2, x + w, y + h)
    )


def _community(x: float, y: float, w: float, h: float, bent: bool) -> shapely.Geometry:
    return _l_shape(x, y, w, h) if bent else shapely.box(x, y, x + w, y + h)


communities = st.builds(
    _community,
    st.floats(116.3, 121.0),
    st.floats(30.7, 34.5),
    st.floats(0.001, 0.05),
    st.floats(0.001, 0.05),
    st.booleans(),
)


def assert_tiles(parent: shapely.Geometry, cells: np.ndarray) -> None:
    """Cells are valid polygons inside the parent, do not overlap and cover it."""
    assert all(c.geom_type == "Polygon" and c.is_valid and not c.is_empty for c in cells)
    scale = parent.area
    assert abs(shapely.area(cells).sum() - parent.area) <= AREA_TOLERANCE * scale
    assert shapely.area(shapely.difference(cells, parent)).max() <= AREA_TOLERANCE * scale
    tree = shapely.STRtree(cells)
    left, right = tree.query(cells, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(cells[left[pairs]], cells[right[pairs]]))
    assert overlap.sum() <= AREA_TOLERANCE * scale


@settings(max_examples=25, deadline=None)
@given(community=communities, seed=st.integers(0, 2**32 - 1))
def test_every_microgrid_lies_in_its_grid_and_every_grid_in_its_community(community, seed):
    layout = layout_grids(["320113002001"], np.array([community]), seed=seed)

    assert_tiles(community, layout.grid_geoms)
    for g, grid in enumerate(layout.grid_geoms):
        assert_tiles(grid, layout.micro_geoms[layout.micro_grid == g])


@settings(max_examples=25, deadline=None)
@given(community=communities, seed=st.integers(0, 2**32 - 1))
def test_each_microgrid_holds_50_to_100_households_and_grids_add_them_up(community, seed):
    layout = layout_grids(["320113002001"], np.array([community]), seed=seed)

    assert layout.micro_households.min() >= 50
    assert layout.micro_households.max() <= 100
    sums = np.bincount(layout.micro_grid, layout.micro_households)
    assert np.array_equal(sums, layout.grid_households)
    assert 2 * layout.micro_households.sum() <= layout.micro_residents.sum()


@settings(max_examples=10, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 9), min_size=1, max_size=4),
    bent=st.booleans(),
    seed=st.integers(0, 1000),
)
# A concave parent once left a scrap that touched its siblings only through another scrap.
@example(sizes=[6], bent=True, seed=100)
def test_any_number_of_children_tile_their_parent(sizes, bent, seed):
    parents = np.array([_community(118 + i, 32, 0.3, 0.2, bent) for i in range(len(sizes))])
    rngs = [np.random.default_rng([seed, i]) for i in range(len(sizes))]

    cells, owner = tile_randomly(parents, np.array(sizes, dtype=np.int64), rngs)

    assert np.array_equal(np.bincount(owner), sizes)
    for i, parent in enumerate(parents):
        assert_tiles(parent, cells[owner == i])


def test_grid_and_microgrid_codes_extend_their_parents_codes():
    layout = layout_grids(["320113002001"], np.array([shapely.box(118, 32, 118.02, 32.02)]), seed=1)

    assert layout.grid_codes[0] == "320113002001001"
    assert all(c.startswith("320113002001") and len(c) == 15 for c in layout.grid_codes)
    for code, grid in zip(layout.micro_codes, layout.micro_grid, strict=True):
        assert code.startswith(layout.grid_codes[grid]) and len(code) == 18
    assert layout.micro_codes[0].endswith("001001")


def test_the_same_seed_gives_the_same_layout_and_another_seed_another():
    box = np.array([shapely.box(118, 32, 118.02, 32.02)])
    first = layout_grids(["320113002001"], box, seed=5)
    again = layout_grids(["320113002001"], box, seed=5)
    other = layout_grids(["320113002001"], box, seed=6)

    assert first.micro_codes == again.micro_codes
    assert np.array_equal(shapely.to_wkb(first.micro_geoms), shapely.to_wkb(again.micro_geoms))
    assert np.array_equal(first.micro_households, again.micro_households)
    assert not np.array_equal(
        shapely.to_wkb(first.grid_geoms[:1]), shapely.to_wkb(other.grid_geoms[:1])
    )


def test_a_community_gets_the_same_grids_alone_as_with_its_neighbours():
    a, b = shapely.box(118, 32, 118.02, 32.02), shapely.box(118.02, 32, 118.04, 32.02)
    alone = layout_grids(["320113002002"], np.array([b]), seed=3)
    together = layout_grids(["320113002001", "320113002002"], np.array([a, b]), seed=3)

    mine = [i for i, c in enumerate(together.micro_codes) if c.startswith("320113002002")]
    assert [together.micro_codes[i] for i in mine] == alone.micro_codes
    assert shapely.equals_exact(together.micro_geoms[mine], alone.micro_geoms, 0).all()


def _small_tree() -> list[Node]:
    nodes = [Node("32"), Node("3201", 118.8, 32.05), Node("3202", 120.3, 31.6)]
    counties = {
        "320102": (118.8, 32.05),
        "320113": (118.9, 32.15),
        "320205": (120.3, 31.6),
        "320206": (120.5, 31.7),
        "320207": (120.5, 31.7),
    }  # 320207 duplicates 320206
    for county, (x, y) in counties.items():
        nodes.append(Node(county, x, y))
        for t in range(1, 4):
            town = f"{county}{t:03d}"
            nodes.append(Node(town))
            nodes.extend(Node(f"{town}{c:03d}") for c in range(1, 5))
    return nodes


def test_official_boundaries_nest_from_the_province_down_to_communities():
    geoms = official_boundaries(_small_tree(), seed=1)

    province = geoms["32"]
    for parent_len, child_len in ((2, 4), (4, 6), (6, 9), (9, 12)):
        for parent_code, parent in geoms.items():
            if len(parent_code) != parent_len:
                continue
            children = [
                g
                for c, g in sorted(geoms.items())
                if len(c) == child_len and c.startswith(parent_code)
            ]
            if child_len >= 9:
                assert_tiles(parent, np.array(children))
            else:
                assert (
                    abs(sum(g.area for g in children) - parent.area)
                    <= AREA_TOLERANCE * province.area
                )
    assert geoms["320113"].contains(shapely.Point(118.9, 32.15))


def test_official_boundaries_are_deterministic_for_a_seed():
    first = official_boundaries(_small_tree(), seed=2)
    again = official_boundaries(_small_tree(), seed=2)

    assert first.keys() == again.keys()
    assert all(first[c].equals_exact(again[c], 0) for c in first)
