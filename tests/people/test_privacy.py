"""Personal data: masked everywhere, unmasked only for roles that need it, and every view logged."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from civicgrid.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_api_never_returns_a_full_id_number_or_phone(world, as_user):
    client = as_user(world.grid_worker)
    pages = [
        client.get("/api/v1/people/residents", {"name": "王"}),
        client.get(f"/api/v1/people/residents/{world.resident.pk}"),
        client.get(f"/api/v1/people/residents/{world.resident.pk}/history"),
        client.get("/api/v1/people/households", {"area": world.micro_a1.code}),
    ]
    for page in pages:
        text = page.content.decode()
        assert page.status_code == 200
        assert world.resident.id_number not in text and "13812345678" not in text
    person = pages[1].json()
    assert (
        person["id_number_masked"]
        == world.resident.id_number[:4] + "*" * 10 + world.resident.id_number[-4:]
    )
    assert person["phone_masked"] == "138****5678"


def test_pages_show_masked_values(world, as_user):
    html = as_user(world.grid_worker).get(f"/people/book/{world.micro_a1.code}/").content.decode()
    assert "王建国" in html and "138****5678" in html
    assert world.resident.id_number not in html and "13812345678" not in html


def test_search_by_full_id_number_finds_the_person_without_showing_the_number(world, as_user):
    found = as_user(world.grid_worker).get(
        "/api/v1/people/residents", {"id_number": world.resident.id_number.lower()}
    )
    assert [r["name"] for r in found.json()["items"]] == ["王建国"]
    assert world.resident.id_number not in found.content.decode()


def test_staff_see_the_full_value_with_a_reason_and_the_view_is_logged(world, as_user):
    response = as_user(world.staff).post(
        f"/api/v1/people/residents/{world.resident.pk}/reveal",
        {"field": "id_number", "reason": "核对低保申请材料"},
        content_type="application/json",
    )
    assert response.json() == {"field": "id_number", "value": world.resident.id_number}
    entry = AuditEntry.objects.get(action="people.resident.unmasked")
    assert entry.actor == world.staff
    assert entry.object_id == str(world.resident.pk)
    assert entry.data["field"] == "id_number"
    assert entry.data["reason"] == "核对低保申请材料"


def test_a_grid_worker_may_not_unmask_and_nothing_is_logged(world, as_user):
    response = as_user(world.grid_worker).post(
        f"/api/v1/people/residents/{world.resident.pk}/reveal",
        {"field": "phone", "reason": "想看看"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="people.resident.unmasked").exists()


def test_unmasking_without_a_reason_is_refused(world, as_user):
    response = as_user(world.staff).post(
        f"/api/v1/people/residents/{world.resident.pk}/reveal",
        {"field": "phone", "reason": " "},
        content_type="application/json",
    )
    assert response.status_code in (400, 422)
    assert not AuditEntry.objects.filter(action="people.resident.unmasked").exists()


def test_the_resident_page_reveals_once_for_staff_and_logs_it(world, as_user):
    page = as_user(world.staff).post(
        f"/people/residents/{world.resident.pk}/", {"field": "phone", "reason": "入户回访"}
    )
    assert page.status_code == 200
    assert "13812345678" in page.content.decode()
    assert AuditEntry.objects.filter(action="people.resident.unmasked", actor=world.staff).exists()
    again = as_user(world.staff).get(f"/people/residents/{world.resident.pk}/")
    assert "13812345678" not in again.content.decode()


def test_an_export_is_masked_and_says_who_exported_it(world, as_user):
    response = as_user(world.staff).get("/api/v1/people/export", {"name": "王"})
    assert response["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "sally_staff" in rows[0][0]
    assert rows[2][0] == "王建国"
    assert rows[2][1] == world.resident.id_number[:4] + "*" * 10 + world.resident.id_number[-4:]
    assert rows[2][2] == "138****5678"
    entry = AuditEntry.objects.get(action="people.register.exported")
    assert entry.actor == world.staff and entry.data["rows"] == 1


def test_a_resident_of_the_sibling_town_is_invisible(world, as_user):
    client = as_user(world.outsider)
    assert client.get(f"/api/v1/people/residents/{world.resident.pk}").status_code == 404
    found = client.get("/api/v1/people/residents", {"id_number": world.resident.id_number})
    assert found.json()["items"] == []
