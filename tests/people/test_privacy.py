"""Personal data: masked everywhere, unmasked only for roles that need it, and every view logged."""

from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from civicgrid.core.models import AuditEntry
from civicgrid.people.models import ResidentTag

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


# --- Sensitive tags (SECURITY.md: health, disability, children at risk, money) -------------


@pytest.fixture
def liaison(world):
    from civicgrid.accounts.roles import Role
    from tests import factories as f

    return f.user("lily_liaison", Role.LIAISON, world.micro_a1.code)


@pytest.fixture
def disabled(world):
    from civicgrid.people import services

    services.set_tags(
        resident=world.resident,
        tags=[services.TagValue("veteran"), services.TagValue("disabled", "mental", 2)],
        by=world.staff,
    )
    return world.resident


def test_only_roles_that_care_for_people_see_their_health_and_money(world):
    from civicgrid.accounts.roles import CAPABILITIES, Cap, Role

    holders = {role for role, caps in CAPABILITIES.items() if Cap.PEOPLE_SENSITIVE in caps}
    assert holders == {
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.TOWN_OPERATOR,
        Role.COUNTY_OPERATOR,
        Role.CIVIL_AFFAIRS,
    }


def test_a_liaison_sees_the_person_without_the_disability(world, as_user, liaison, disabled):
    api = as_user(liaison).get(f"/api/v1/people/residents/{disabled.pk}").json()
    assert [t["tag"] for t in api["tags"]] == ["veteran"]
    page = as_user(liaison).get(f"/people/residents/{disabled.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "veteran" in html and "disabled" not in html and "mental" not in html
    book = as_user(liaison).get(f"/people/book/{world.micro_a1.code}/").content.decode()
    assert "王建国" in book and "精神" not in book
    # The grid worker, who visits them, sees it.
    worker = as_user(world.grid_worker).get(f"/api/v1/people/residents/{disabled.pk}").json()
    assert sorted(t["tag"] for t in worker["tags"]) == ["disabled", "veteran"]


def test_a_liaison_cannot_list_people_by_a_sensitive_tag(world, as_user, liaison, disabled):
    client = as_user(liaison)
    api = client.get("/api/v1/people/residents", {"tag": "disabled"})
    assert api.status_code == 403 and api.json()["code"] == "people.sensitive_tag"
    page = client.get("/people/", {"tag": "disabled"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "王建国" not in page.content.decode()
    assert 'value="disabled"' not in page.content.decode()  # not even offered
    assert client.get("/api/v1/people/residents", {"tag": "veteran"}).status_code == 200


def test_a_liaisons_new_tags_keep_the_ones_they_cannot_see(world, liaison, disabled):
    from civicgrid.people import services

    change = services.submit_change(
        kind="set_tags",
        payload={"tags": [{"tag": "veteran"}, {"tag": "living_alone"}]},
        resident=disabled,
        by=liaison,
    )
    services.confirm_change(change=change, by=world.staff)
    tags = ResidentTag.all_objects.filter(resident=disabled)
    kept = {(t.tag, t.kind, t.grade) for t in tags}
    assert kept == {("veteran", "", None), ("living_alone", "", None), ("disabled", "mental", 2)}


def test_a_liaison_sees_a_childs_name_masked_and_the_grid_worker_in_full(world, as_user, liaison):
    from datetime import date

    from django.utils import timezone

    from tests import factories as f

    born = date(timezone.localdate().year - 8, 6, 1)
    child = f.resident(world.household, "王小明", f.id_number("320113", born, 33))
    seen = as_user(liaison).get(f"/api/v1/people/residents/{child.pk}").json()
    assert seen["name"] == "王**"
    page = as_user(liaison).get(f"/people/residents/{child.pk}/").content.decode()
    assert "王小明" not in page and "王**" in page
    book = as_user(liaison).get(f"/people/book/{world.micro_a1.code}/").content.decode()
    assert "王小明" not in book and "王建国" in book  # adults keep their names
    history = as_user(liaison).get(f"/api/v1/people/residents/{child.pk}/history").json()
    assert {h["name"] for h in history} == {"王**"}
    worker = as_user(world.grid_worker).get(f"/api/v1/people/residents/{child.pk}").json()
    assert worker["name"] == "王小明"


def test_a_fourteen_year_old_is_no_longer_masked(world, liaison):
    from datetime import date

    from civicgrid.people import privacy

    class Person:
        name = "李明"
        birth_date = date(2010, 3, 1)

    assert privacy.shown_name(Person, liaison, today=date(2024, 2, 29)) == "李*"
    assert privacy.shown_name(Person, liaison, today=date(2024, 3, 1)) == "李明"


@given(
    name=st.text(min_size=1, max_size=6),
    born=st.dates(min_value=date(1920, 1, 1), max_value=date(2024, 6, 1)),
)
def test_a_masked_name_keeps_its_length_and_first_character_and_only_children_are_masked(
    name, born
):
    from civicgrid.core.identity import age_on
    from civicgrid.people import privacy

    class Person:
        pass

    Person.name, Person.birth_date = name, born

    class Liaison:
        @staticmethod
        def can(capability):
            return False

    today = date(2024, 6, 1)
    shown = privacy.shown_name(Person, Liaison, today=today)
    assert len(shown) == len(name) and shown[0] == name[0]
    assert (shown == name) == (
        age_on(born, today) >= 14 or len(name) == 1 or set(name[1:]) == {"*"}
    )
