"""Importing surveyed boundaries: good files land whole, bad files change nothing."""

from __future__ import annotations

import pytest
import shapely

from civicgrid.core.errors import DomainError
from civicgrid.regions.boundaries import import_boundaries
from civicgrid.regions.models import LayerVersion, Region

pytestmark = pytest.mark.django_db


def feature(code: str, box: tuple[float, float, float, float], name: str = "") -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name},
        "geometry": shapely.geometry.mapping(shapely.box(*box)),
    }


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def snapshot() -> list[tuple]:
    return list(Region.all_objects.order_by("code").values_list("code", "name", "boundary"))


def version() -> int:
    row = LayerVersion.objects.filter(name="boundaries").first()
    return row.version if row else 0


def test_a_community_splits_its_grid_into_three_micro_grids(world):
    before = version()
    result = import_boundaries(
        collection=collection(
            feature("320113002001001001", (118.0, 31.0, 119.0, 31.5)),
            feature("320113002001001002", (118.0, 31.5, 119.0, 32.0)),
            feature("320113002001001003", (118.0, 32.0, 119.0, 33.0), name="第1网格第3微网格"),
        )
    )
    assert (result.created, result.updated) == (1, 2)
    new = Region.all_objects.get(code="320113002001001003")
    assert new.parent_id == "320113002001001" and new.level == 7 and not new.boundary_is_synthetic
    assert version() > before


@pytest.mark.parametrize(
    ("features", "code"),
    [
        ([feature("32011300200100100X", (118, 31, 119, 32))], "regions.malformed_code"),
        (
            [feature("320113002001001003", (118.0, 32.0, 119.0, 33.0), name="新")],
            "regions.overlapping_boundaries",
        ),  # overlaps the stored 第2微网格
        (
            [feature("320113002001002001", (118, 31, 118.5, 31.5), name="孤儿")],
            "regions.unknown_parent",
        ),
        (
            [feature("320113002001001003", (119.5, 31.0, 119.9, 31.5), name="外")],
            "regions.outside_parent",
        ),
        ([feature("320113009", (118, 31, 119, 32))], "regions.unknown_code"),
        (
            [feature("320113002001001003", (118.0, 31.0, 200.0, 31.5), name="x")],
            "regions.invalid_geometry",
        ),
        (
            [
                {
                    "type": "Feature",
                    "properties": {"code": "320113002001001001"},
                    "geometry": {"type": "Point", "coordinates": [118.5, 31.5]},
                }
            ],
            "regions.invalid_geometry",
        ),
        ([feature("320113002001001003", (118, 31, 118.1, 31.1))], "regions.name_required"),
        (
            [
                feature("320113002001001001", (118, 31, 119, 32)),
                feature("320113002001001001", (118, 31, 119, 32)),
            ],
            "regions.duplicate_code",
        ),
    ],
)
def test_a_bad_file_is_rejected_whole_with_a_stable_code(world, features, code):
    good = feature("320113003001001001", (119.0, 31.0, 120.0, 33.0))
    before, before_version = snapshot(), version()
    with pytest.raises(DomainError) as caught:
        import_boundaries(collection=collection(good, *features))
    assert caught.value.code == code
    assert snapshot() == before and version() == before_version


def test_two_overlapping_micro_grids_in_one_file_are_named_in_the_error(world):
    with pytest.raises(DomainError) as caught:
        import_boundaries(
            collection=collection(
                feature("320113002001001001", (118.0, 31.0, 119.0, 32.2)),
                feature("320113002001001002", (118.0, 32.0, 119.0, 33.0)),
            )
        )
    assert caught.value.code == "regions.overlapping_boundaries"
    assert caught.value.details["codes"] == ["320113002001001001", "320113002001001002"]


def test_neighbours_sharing_a_border_are_fine(world):
    result = import_boundaries(
        collection=collection(
            feature("320113002001001001", (118.0, 31.0, 119.0, 32.0)),
            feature("320113002001001002", (118.0, 32.0, 119.0, 33.0)),
        )
    )
    assert result.updated == 2


def test_a_county_operator_uploads_boundaries_through_the_api(world, as_user):
    response = as_user(world.county_operator).post(
        "/api/v1/regions/boundaries",
        collection(
            feature("320113002001001003", (118.0, 31.0, 118.2, 31.2), name="新微网格"),
            feature("320113002001001001", (118.2, 31.0, 119.0, 32.0)),
        ),
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 1, "updated": 1}


def test_an_upload_naming_a_code_outside_my_area_is_404_and_changes_nothing(world, as_user):
    before = snapshot()
    response = as_user(world.town_operator).post(
        "/api/v1/regions/boundaries",
        collection(feature("320113003001001001", (119.0, 31.0, 120.0, 33.0))),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert snapshot() == before


def test_a_bad_upload_answers_with_the_error_code(world, as_user):
    client = as_user(world.admin)
    not_geojson = client.post(
        "/api/v1/regions/boundaries",
        {"type": "Nonsense", "features": []},
        content_type="application/json",
    )
    assert not_geojson.status_code == 400 and not_geojson.json()["code"] == "regions.bad_geojson"
    no_features = client.post(
        "/api/v1/regions/boundaries", {"type": "FeatureCollection"}, content_type="application/json"
    )
    assert no_features.status_code == 422 and no_features.json()["code"] == "request.invalid"
