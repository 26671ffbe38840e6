"""Importing official divisions: idempotent, validated, and careful with data it does not own."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from django.core.management import CommandError, call_command

from civicgrid.core.errors import DomainError
from civicgrid.regions.divisions import Division, jiangsu_divisions
from civicgrid.regions.importing import import_divisions
from civicgrid.regions.levels import Level
from civicgrid.regions.management.commands import import_divisions as command_module
from civicgrid.regions.models import Region

pytestmark = pytest.mark.django_db

PROVINCE = Division("32", "江苏省", Level.PROVINCE, None, 118.76, 32.06)
CITY = Division("3201", "南京市", Level.CITY, "32", 118.79, 32.05)
COUNTY = Division("320113", "栖霞区", Level.COUNTY, "3201", 118.90, 32.09)
TOWN = Division("320113001", "尧化街道", Level.TOWN, "320113")
COMMUNITY = Division("320113001001", "尧化社区居委会", Level.COMMUNITY, "320113001")
SMALL = [PROVINCE, CITY, COUNTY, TOWN, COMMUNITY]


def snapshot() -> list[tuple]:
    return list(Region.all_objects.order_by("code").values_list("code", "name", "updated_at"))


def test_it_imports_all_of_jiangsu_into_an_empty_database():
    expected = jiangsu_divisions()

    result = import_divisions()

    assert result.created == len(expected) == Region.all_objects.count()
    assert result.updated == result.unchanged == 0
    assert result.by_level[Level.CITY] == 13
    liangxi = Region.all_objects.get(code="320213")
    assert liangxi.name == "梁溪区"
    assert Region.all_objects.filter(parent=liangxi, name="崇安寺街道").exists()
    assert Region.all_objects.get(code="3201").centroid_lng == pytest.approx(118.796682)
    assert Region.all_objects.filter(source=Region.Source.OFFICIAL).count() == len(expected)


def test_importing_again_changes_nothing():
    import_divisions()
    before = snapshot()

    result = import_divisions()

    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == len(before)
    assert snapshot() == before


def test_it_rewrites_only_the_rows_that_differ():
    import_divisions(divisions=SMALL)
    Region.all_objects.filter(code=TOWN.code).update(name="旧名")
    before = dict((code, at) for code, _name, at in snapshot())

    result = import_divisions(divisions=SMALL)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 4)
    after = dict((code, at) for code, _name, at in snapshot())
    assert Region.all_objects.get(code=TOWN.code).name == "尧化街道"
    assert after[TOWN.code] > before[TOWN.code]
    assert {c: t for c, t in after.items() if c != TOWN.code} == {
        c: t for c, t in before.items() if c != TOWN.code
    }


def test_it_keeps_boundaries_counts_source_and_centroids_it_does_not_own():
    import_divisions(divisions=SMALL[:3])
    Region.all_objects.create(
        code=TOWN.code,
        name="旧名",
        level=Level.TOWN,
        parent_id=COUNTY.code,
        boundary=b"\x01\x03",
        boundary_is_synthetic=False,
        centroid_lng=118.95,
        centroid_lat=32.12,
        households=1200,
        residents=3400,
        source=Region.Source.IMPORTED,
    )

    import_divisions(divisions=SMALL)

    town = Region.all_objects.get(code=TOWN.code)
    assert town.name == "尧化街道"
    assert bytes(town.boundary) == b"\x01\x03"
    assert not town.boundary_is_synthetic
    assert (town.centroid_lng, town.centroid_lat) == (118.95, 32.12)
    assert (town.households, town.residents) == (1200, 3400)
    assert town.source == Region.Source.IMPORTED


def test_it_updates_a_centroid_that_changed_in_the_source():
    import_divisions(divisions=SMALL)
    import_divisions(divisions=[replace(COUNTY, lng=119.0, lat=32.2)])

    county = Region.all_objects.get(code=COUNTY.code)
    assert (county.centroid_lng, county.centroid_lat) == (119.0, 32.2)


def test_it_accepts_a_partial_import_under_a_parent_already_stored():
    import_divisions(divisions=SMALL)
    sibling = Division("320113002", "马群街道", Level.TOWN, "320113")

    result = import_divisions(divisions=[sibling])

    assert result.created == 1
    assert Region.all_objects.get(code="320113002").parent_id == "320113"


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (
            Division("3201130020x1", "某社区", Level.COMMUNITY, "320113002"),
            "regions.malformed_code",
        ),
        (Division("32011300201", "某社区", Level.COMMUNITY, "320113002"), "regions.malformed_code"),
        (Division("320113002", "某街道", 9, "320113"), "regions.malformed_code"),
        (Division("320113002", "某街道", Level.TOWN, "3201"), "regions.bad_parent"),
        (Division("320113002", "某街道", Level.TOWN, "320114"), "regions.bad_parent"),
        (Division("320113002", "某街道", Level.TOWN, None), "regions.bad_parent"),
        (Division("33", "浙江省", Level.PROVINCE, "32"), "regions.bad_parent"),
        (Division("320114001", "某街道", Level.TOWN, "320114"), "regions.unknown_parent"),
        (replace(TOWN, name="重复"), "regions.duplicate_code"),
    ],
    ids=lambda v: v if isinstance(v, str) else v.code,
)
def test_bad_input_raises_and_changes_nothing(bad, code):
    import_divisions(divisions=SMALL[:3])
    Region.all_objects.filter(code=COUNTY.code).update(name="旧名")
    before = snapshot()

    with pytest.raises(DomainError) as raised:
        # Valid rows come first: none of them may be written when a later one is bad.
        import_divisions(divisions=[*SMALL, bad])

    assert raised.value.code == code
    assert str(raised.value.message)
    assert snapshot() == before


def test_the_command_imports_and_prints_the_report():
    out = io.StringIO()

    call_command("import_divisions", stdout=out)

    text = out.getvalue()
    assert f"created {len(jiangsu_divisions())}, updated 0" in text
    assert "无锡市 崇安区 → 320213 梁溪区" in text
    assert "320576" in text
    assert Region.all_objects.filter(level=Level.CITY).count() == 13


def test_the_command_turns_a_domain_error_into_a_command_error(monkeypatch):
    def refuse() -> None:
        raise DomainError("regions.bad_parent", "no")

    monkeypatch.setattr(command_module, "import_divisions", refuse)

    with pytest.raises(CommandError, match="no"):
        call_command("import_divisions", stdout=io.StringIO())


def test_an_import_that_changes_something_is_audited_and_one_that_does_not_is_not():
    from civicgrid.core.models import AuditEntry

    import_divisions()
    import_divisions()
    entries = AuditEntry.objects.filter(action="regions.divisions.imported")
    assert entries.count() == 1
    assert entries.get().data["created"] == Region.all_objects.count()
