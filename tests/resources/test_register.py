"""Keeping the emergency resources register: placed by the point, checked, audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django_scopes import scope, scopes_disabled

from civicgrid.core.errors import DomainError
from civicgrid.core.models import AuditEntry
from civicgrid.resources import selectors, services
from civicgrid.resources.models import Resource
from tests.resources.conftest import IN_A2, IN_B1, NOWHERE


def _code(call) -> str:
    with pytest.raises(DomainError) as caught, scopes_disabled():
        call()
    return caught.value.code


def test_a_resource_lands_in_the_micro_grid_that_holds_its_point(world, add):
    shelter = add(capacity=800, capacity_unit="人", contact_phone="139 1234 5678")
    assert shelter.region_id == world.micro_a1.code
    assert shelter.contact_phone == "13912345678"
    entry = AuditEntry.objects.get(action="resources.resource.created")
    assert entry.object_id == str(shelter.pk) and entry.actor == world.town_operator


def test_a_landline_is_kept_as_area_code_and_number(world, add):
    assert add(kind="fire_station", contact_phone="02584561234").contact_phone == "025-84561234"
    assert add(kind="aed", contact_phone="0511-8456123").contact_phone == "0511-8456123"


def test_a_point_outside_every_micro_grid_is_refused(world, add):
    assert _code(lambda: add(at=NOWHERE)) == "resources.outside_area"
    assert not Resource.all_objects.exists()


def test_a_point_in_the_sibling_town_is_refused_like_a_point_in_the_sea(world, add):
    assert _code(lambda: add(at=IN_B1, by=world.staff)) == "resources.outside_area"
    # The county desk may place it: the sibling town is in its area.
    assert add(at=IN_B1, by=world.county_operator).region_id == world.micro_b1.code


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": "helipad"}, "resources.unknown_kind"),
        ({"kind": ""}, "resources.unknown_kind"),
        ({"contact_phone": "12345"}, "resources.bad_phone"),
        ({"contact_phone": "025-123"}, "resources.bad_phone"),
        ({"name": "   "}, "resources.missing_field"),
        ({"name": "避" * 101}, "resources.too_long"),
        ({"capacity": -1}, "resources.bad_capacity"),
        ({"capacity": "many"}, "resources.bad_capacity"),
        ({"at": (float("nan"), 31.5)}, "locate.invalid_coordinates"),
        ({"at": (200.0, 31.5)}, "locate.invalid_coordinates"),
    ],
)
def test_bad_input_gets_a_clear_code_and_changes_nothing(world, add, fields, code):
    assert _code(lambda: add(**fields)) == code
    assert not Resource.all_objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="resources.").exists()


def test_only_those_who_keep_the_register_may_add_to_it(world, add):
    for user in (world.grid_worker, world.leader, world.officer, world.outsider):
        with pytest.raises(PermissionDenied):
            add(by=user)
    assert not Resource.all_objects.exists()


def test_an_update_moves_the_resource_and_logs_only_the_field_names(world, add):
    depot = add(kind="materials_depot", contact_phone="13912345678")
    with scopes_disabled():
        moved = services.update_resource(
            resource=depot,
            by=world.staff,
            changes={"lng": IN_A2[0], "lat": IN_A2[1], "contact_phone": "13800001111"},
        )
    assert moved.region_id == world.micro_a2.code and moved.contact_phone == "13800001111"
    entry = AuditEntry.objects.get(action="resources.resource.updated")
    assert entry.data == {"fields": ["contact_phone", "lat", "region_id"]}
    assert "13800001111" not in str(entry.data)


def test_an_update_needs_both_coordinates_and_a_known_field(world, add):
    shelter = add()
    with scopes_disabled():
        assert (
            _code(
                lambda: services.update_resource(
                    resource=shelter, by=world.staff, changes={"lng": 118.6}
                )
            )
            == "resources.point_incomplete"
        )
        assert (
            _code(
                lambda: services.update_resource(
                    resource=shelter, by=world.staff, changes={"region_id": "32"}
                )
            )
            == "resources.unknown_field"
        )


def test_the_sibling_towns_people_cannot_change_a_resource_of_town_a(world, add):
    shelter = add()
    outsider_desk = _town_b_operator(world)
    code = _code(
        lambda: services.update_resource(resource=shelter, by=outsider_desk, changes={"name": "x"})
    )
    assert code == "resources.not_found"
    code = _code(lambda: services.deactivate_resource(resource=shelter, by=outsider_desk))
    assert code == "resources.not_found"


def test_deactivating_keeps_the_row_and_hides_it_from_the_map_lists(world, add):
    aed = add(kind="aed")
    with scopes_disabled():
        services.deactivate_resource(resource=aed, by=world.staff, reason="设备送修")
        services.deactivate_resource(resource=aed, by=world.staff)  # once is enough
    assert AuditEntry.objects.filter(action="resources.resource.deactivated").count() == 1
    with scope(region=world.town_a.code):
        assert not selectors.resources_visible_to(world.town_operator).exists()
        assert selectors.resources_visible_to(world.town_operator, active=None).get() == aed


def test_nearest_resources_come_nearest_first_and_only_from_the_callers_area(world, add):
    far = add(name="远", at=(118.9, 31.9))
    near = add(name="近", at=(118.501, 31.5))
    middle = add(name="中", at=(118.55, 31.55), kind="aed")
    add(name="邻街道", at=(119.001, 31.5), by=world.county_operator)
    with scope(region=world.town_a.code):
        found = selectors.nearest_resources(world.town_operator, lng=118.5, lat=31.5, limit=5)
        assert [n.resource for n in found] == [near, middle, far]
        assert found[0].distance_m < found[1].distance_m < found[2].distance_m
        only_aeds = selectors.nearest_resources(
            world.town_operator, lng=118.5, lat=31.5, kinds=["aed"]
        )
        assert [n.resource for n in only_aeds] == [middle]
    with scope(region=world.county.code):
        found = selectors.nearest_resources(world.county_operator, lng=118.999, lat=31.5, limit=1)
        assert found[0].resource.name == "邻街道"


def test_the_nearest_search_widens_past_a_near_cluster_in_the_box_corner(world, add):
    # Two resources: one 1.3 km away diagonally (in the first box's corner), one 1.05 km
    # straight north (outside it): the straight one is nearer and must win.
    diagonal = add(name="角", at=(118.5 + 0.0098, 31.5 + 0.0083))
    north = add(name="北", at=(118.5, 31.5 + 0.0094))
    with scope(region=world.town_a.code):
        found = selectors.nearest_resources(world.town_operator, lng=118.5, lat=31.5, limit=1)
    assert found[0].resource == north, (found, diagonal)


def _town_b_operator(world):
    from tests import factories as f

    return f.user("tina_town_b", "town_operator", world.town_b.code)
