"""The register in the admin: saved through the services, nothing deleted."""

from __future__ import annotations

from civicgrid.core.models import AuditEntry
from civicgrid.resources.models import Resource
from tests.resources.conftest import IN_A1, IN_A2, NOWHERE

ADD = "/admin/resources/resource/add/"


def _form(**change):
    return {
        "kind": "medical_point", "name": "尧化社区卫生服务中心", "address": "", "capacity": "40",
        "capacity_unit": "床位", "contact_name": "", "contact_phone": "025-84561234",
        "lng": str(IN_A1[0]), "lat": str(IN_A1[1]), "note": "", "is_active": "on", **change,
    }  # fmt: skip


def test_an_administrator_adds_and_moves_a_resource_through_the_services(world, as_user):
    client = as_user(world.admin)
    assert client.post(ADD, _form()).status_code == 302
    made = Resource.all_objects.get()
    assert made.region_id == world.micro_a1.code and made.contact_phone == "025-84561234"
    change = f"/admin/resources/resource/{made.pk}/change/"
    moved = client.post(change, _form(lng=str(IN_A2[0]), lat=str(IN_A2[1])))
    assert moved.status_code == 302
    made.refresh_from_db()
    assert made.region_id == world.micro_a2.code
    actions = list(
        AuditEntry.objects.filter(action__startswith="resources.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["resources.resource.created", "resources.resource.updated"]


def test_a_point_outside_every_micro_grid_is_shown_beside_the_field(world, as_user):
    page = as_user(world.admin).post(ADD, _form(lng=str(NOWHERE[0]), lat=str(NOWHERE[1])))
    assert page.status_code == 200 and "errorlist" in page.content.decode()
    assert not Resource.all_objects.exists()


def test_resources_are_not_deleted_from_the_admin(world, as_user, add):
    shelter = add()
    client = as_user(world.admin)
    assert (
        client.post(f"/admin/resources/resource/{shelter.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Resource.all_objects.filter(pk=shelter.pk).exists()


def test_operators_keep_the_register_through_the_api_not_the_admin(world, as_user):
    response = as_user(world.town_operator).get("/admin/resources/resource/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
