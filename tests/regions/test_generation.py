"""Writing synthetic boundaries and generated grids into the place tree."""

from __future__ import annotations

import pytest
import shapely
from django.core.management import CommandError, call_command

from civicgrid.core.errors import DomainError
from civicgrid.regions.generation import generate_grids, synthesize_boundaries
from civicgrid.regions.levels import Level
from civicgrid.regions.locate import boundaries_version, locate_point
from civicgrid.regions.models import Region
from tests.regions.geo_tree import TOWN, make_tree

pytestmark = pytest.mark.django_db


def _snapshot() -> list[tuple]:
    return list(
        Region.all_objects.order_by("code").values_list(
            "code",
            "name",
            "level",
            "parent_id",
            "boundary",
            "centroid_lng",
            "centroid_lat",
            "households",
            "residents",
            "source",
        )
    )


def test_it_writes_grids_and_microgrids_whose_codes_extend_their_parents():
    make_tree()

    result = generate_grids(area_code=TOWN, seed=1)

    grids = Region.all_objects.filter(level=Level.GRID)
    micro = Region.all_objects.filter(level=Level.MICROGRID)
    assert (result.communities, result.grids, result.microgrids) == (
        2,
        grids.count(),
        micro.count(),
    )
    for row in [*grids, *micro]:
        assert row.code.startswith(row.parent_id)
        assert len(row.code) == len(row.parent_id) + 3
        assert row.source == Region.Source.GENERATED
        assert row.centroid_lng is not None
        assert shapely.from_wkb(bytes(row.boundary)).geom_type == "Polygon"
    first_micro = micro.order_by("code").first()
    assert first_micro.name == "第1网格第1微网格"
    assert grids.order_by("code").first().name == "第1网格"
    assert all(50 <= m.households <= 100 for m in micro)


def test_it_rolls_household_counts_up_to_the_province():
    make_tree()

    result = generate_grids(area_code="320113002001", seed=1)

    community = Region.all_objects.get(code="320113002001")
    grids = Region.all_objects.filter(parent_id=community.code)
    assert community.households == sum(g.households for g in grids) == result.households
    assert community.residents == result.residents
    for code in ["320113002", "320113", "3201", "32"]:
        # The untouched sibling community has 0 households, so the whole chain equals ours.
        assert Region.all_objects.get(code=code).households == result.households


def test_running_again_replaces_the_generated_grids_identically():
    make_tree()
    generate_grids(area_code="3201", seed=4)
    before = _snapshot()

    generate_grids(area_code="3201", seed=4)

    assert _snapshot() == before


def test_it_bumps_the_boundaries_version_so_locate_sees_the_new_microgrids():
    make_tree()
    assert locate_point(lng=118.81, lat=32.11).outside
    version = boundaries_version()

    generate_grids(area_code=TOWN, seed=1)

    assert boundaries_version() == version + 1
    assert locate_point(lng=118.81, lat=32.11).microgrid_code.startswith("320113002001")


@pytest.mark.parametrize(
    ("area", "code"),
    [
        ("3299", "regions.unknown_code"),
        ("32011", "regions.malformed_code"),
        ("32a1", "regions.malformed_code"),
        ("320113002001001", "regions.area_too_small"),
    ],
)
def test_bad_area_codes_are_refused_and_change_nothing(area, code):
    make_tree()
    before = _snapshot()

    with pytest.raises(DomainError) as error:
        generate_grids(area_code=area, seed=1)

    assert error.value.code == code
    assert _snapshot() == before


def test_an_area_without_community_boundaries_is_refused_and_changes_nothing():
    make_tree({"320113002001": (118.8, 32.1, 118.82, 32.12), "320113002002": None})
    before = _snapshot()

    with pytest.raises(DomainError) as error:
        generate_grids(area_code=TOWN, seed=1)

    assert error.value.code == "regions.missing_boundaries"
    assert error.value.details["codes"] == ["320113002002"]
    assert _snapshot() == before


def test_a_community_boundary_without_area_is_refused_and_changes_nothing():
    make_tree({"320113002001": (118.8, 32.1, 118.82, 32.1)})
    before = _snapshot()

    with pytest.raises(DomainError) as error:
        generate_grids(area_code=TOWN, seed=1)

    assert error.value.code == "regions.bad_boundary"
    assert _snapshot() == before


def test_an_area_without_communities_is_refused():
    make_tree({})

    with pytest.raises(DomainError) as error:
        generate_grids(area_code="3201", seed=1)

    assert error.value.code == "regions.no_communities"


def test_a_failure_while_writing_leaves_no_half_written_grids(monkeypatch):
    make_tree()
    generate_grids(area_code=TOWN, seed=1)
    before = _snapshot()

    def broken(area_code: str) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("civicgrid.regions.generation._roll_up_counts", broken)
    with pytest.raises(RuntimeError):
        generate_grids(area_code=TOWN, seed=2)

    assert _snapshot() == before


def test_synthesize_gives_every_official_node_a_boundary_and_is_idempotent():
    make_tree({"320113002001": None, "320113002002": None})
    Region.all_objects.filter(code="320113").update(centroid_lng=118.9, centroid_lat=32.15)

    written = synthesize_boundaries(root_code="32", seed=3)
    first = _snapshot()
    synthesize_boundaries(root_code="32", seed=3)

    assert written == 6
    assert _snapshot() == first
    county = Region.all_objects.get(code="320113")
    assert (county.centroid_lng, county.centroid_lat) == (118.9, 32.15)
    town = shapely.from_wkb(bytes(Region.all_objects.get(code=TOWN).boundary))
    communities = [shapely.from_wkb(bytes(r.boundary)) for r in Region.all_objects.filter(level=5)]
    assert abs(sum(c.area for c in communities) - town.area) < 1e-9 * town.area
    generate_grids(area_code="32", seed=3)  # synthetic boundaries are enough to generate grids


def test_the_command_prints_counts_and_turns_domain_errors_into_command_errors(capsys):
    make_tree()

    call_command("generate_grids", "--area", TOWN, "--seed", "2")

    assert "2 communities" in capsys.readouterr().out
    with pytest.raises(CommandError, match=r"regions\.unknown_code"):
        call_command("generate_grids", "--area", "3299")


def test_the_command_can_synthesise_boundaries_first(capsys):
    make_tree({"320113002001": None})

    call_command("generate_grids", "--area", "32", "--seed", "2", "--synthesize")

    out = capsys.readouterr().out
    assert "synthetic boundaries: 5 official nodes" in out
    assert "1 communities" in out
    assert Region.all_objects.filter(level=Level.MICROGRID).exists()


def test_synthesis_keeps_the_official_centroids_of_province_city_and_county():
    # Otherwise the next import-divisions would put them back and "change" three rows.
    make_tree({"320113002001": None})
    official = {"32": (119.4, 32.9), "3201": (118.8, 32.06), "320113": (118.9, 32.15)}
    for code, (lng, lat) in official.items():
        Region.all_objects.filter(code=code).update(centroid_lng=lng, centroid_lat=lat)

    synthesize_boundaries(root_code="32", seed=3)

    for code, point in official.items():
        region = Region.all_objects.get(code=code)
        assert (region.centroid_lng, region.centroid_lat) == point
