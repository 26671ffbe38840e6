"""The field report page: a grid worker reports from a phone, with or without JavaScript."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from civicgrid.events import present
from civicgrid.events.models import Incident
from tests.events.conftest import IN_A1, LITTER, NOWHERE, jpeg

pytestmark = pytest.mark.django_db

PAGE = "/events/report/"
API = "/api/v1/events/reports"
REQUEST = "1201"  # a livelihood request: no photo needed


def photo(name: str = "p.jpg", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data or jpeg(), content_type="image/jpeg")


def fields(at=IN_A1, **changes) -> dict:
    data = {"category": LITTER, "description": "路边堆放生活垃圾", "address": "尧新大道1号"}
    if at is not None:
        data |= {"lng": str(at[0]), "lat": str(at[1])}
    return data | changes


def test_the_page_offers_categories_by_class_and_marks_those_needing_a_photo(world, as_user):
    html = as_user(world.grid_worker).get(PAGE).content.decode()
    assert '<optgroup label="市容环境">' in html
    assert f'<option value="{LITTER}" data-photo="1">' in html
    assert f'<option value="{REQUEST}">' in html
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert 'name="client_key" value="' in html


def test_a_report_without_javascript_makes_a_case_and_shows_its_micro_grid_and_worker(
    world, as_user
):
    client = as_user(world.grid_worker)
    answer = client.post(PAGE, fields(photos=[photo()], priority="2"))
    case = Incident.all_objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/events/report/{case.number}/"
    assert case.reporter == world.grid_worker and case.source == "grid_worker"
    assert case.priority == 2 and case.photos.count() == 1

    done = client.get(answer["Location"]).content.decode()
    assert case.number in done
    assert world.micro_a1.name in done and world.micro_a1.code in done
    assert 'data-testid="responsible-worker">gina_grid' in done.replace("\n", "")
    assert 'data-testid="unplaced"' not in done


def test_posting_the_same_form_twice_makes_one_case(world, as_user):
    client = as_user(world.grid_worker)
    form = fields(category=REQUEST, client_key=uuid.uuid4().hex)
    first = client.post(PAGE, form)
    again = client.post(PAGE, form)
    assert Incident.all_objects.count() == 1
    assert first["Location"] == again["Location"]


def test_a_place_outside_every_micro_grid_is_to_be_confirmed(world, as_user):
    client = as_user(world.grid_worker)
    answer = client.post(PAGE, fields(at=NOWHERE, category=REQUEST))
    case = Incident.all_objects.get()
    assert not case.location_confirmed and case.region_id == world.town_a.code
    done = client.get(answer["Location"]).content.decode()
    assert 'data-testid="unplaced"' in done
    assert world.town_a.name in done


def test_a_missing_description_is_shown_beside_it_and_keeps_the_rest(world, as_user):
    answer = as_user(world.grid_worker).post(
        PAGE, fields(description="", photos=[photo()], address="尧新大道88号")
    )
    html = answer.content.decode()
    assert answer.status_code == 200 and Incident.all_objects.count() == 0
    assert 'data-error-for="description"></small>' not in html  # its slot holds the message
    assert "尧新大道88号" in html and 'value="118.5"' in html
    assert f'<option value="{LITTER}" data-photo="1" selected>' in html
    assert 'data-testid="lost-photos"' in html  # the chosen photo must be chosen again


@pytest.mark.parametrize(
    ("changes", "slot"),
    [
        ({"category": "9999"}, "category"),  # events.unknown_category
        ({}, "photos"),  # events.photo_required: litter needs a photo
        ({"photos": [photo("x.jpg", b"GIF89a not a photo")]}, "photos"),  # photo.*
        ({"lng": "118.5", "lat": ""}, "position"),  # half a position
        ({"lng": "500", "lat": "31.5"}, "position"),
        ({"address": "长" * 201}, "address"),
    ],
)
def test_each_refusal_is_shown_beside_its_field(world, as_user, changes, slot):
    html = as_user(world.grid_worker).post(PAGE, fields(**changes)).content.decode()
    assert Incident.all_objects.count() == 0
    assert f'data-error-for="{slot}"></small>' not in html
    assert f'data-error-for="{slot}">' in html


def test_a_role_that_may_not_report_gets_403(world, as_user):
    for user in (world.leader, world.officer, world.admin):
        client = as_user(user)
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE, fields(category=REQUEST)).status_code == 403
    assert Incident.all_objects.count() == 0


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    assert client.get(PAGE)["Location"].startswith("/accounts/login/")


def test_the_receipt_is_only_for_the_reporter(world, as_user, report):
    case = report(by=world.grid_worker)
    assert as_user(world.grid_worker).get(f"/events/report/{case.number}/").status_code == 200
    assert as_user(world.staff).get(f"/events/report/{case.number}/").status_code == 404
    assert as_user(world.grid_worker).get("/events/report/NOSUCHCASE/").status_code == 404


def test_my_reports_lists_my_last_ten_with_their_state(world, as_user, report):
    mine = [report(by=world.grid_worker, description=f"第{i}处垃圾") for i in range(12)]
    report(by=world.staff, description="别人的报告")
    html = as_user(world.grid_worker).get(PAGE).content.decode()
    shown = [case.number for case in mine if case.number in html]
    assert len(shown) == 10 and mine[-1].number in shown and mine[0].number not in shown
    with translation.override("zh-hans"):
        assert present.state_label("reported") in html


def test_a_report_made_outside_my_area_is_still_in_my_reports(world, as_user):
    client = as_user(world.grid_worker)
    client.post(PAGE, fields(at=NOWHERE, category=REQUEST))
    number = Incident.all_objects.get().number
    assert number in client.get(PAGE).content.decode()


def test_the_api_answers_a_replay_of_the_same_key_with_the_first_case(world, as_user):
    client = as_user(world.grid_worker)
    key = str(uuid.uuid4())
    body = fields(photos=[photo()])
    first = client.post(API, body, headers={"Idempotency-Key": key})
    body["photos"] = [photo()]  # a file is read once; the phone sends the same bytes again
    again = client.post(API, body, headers={"Idempotency-Key": key})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert first.json()["area"] == world.micro_a1.code
    assert Incident.all_objects.count() == 1

    changed = client.post(
        API, fields(description="别的内容", photos=[photo()]), headers={"Idempotency-Key": key}
    )
    assert changed.status_code == 409
    assert changed.json()["code"] == "events.idempotency_mismatch"
    assert Incident.all_objects.count() == 1


def test_the_service_worker_is_javascript_served_for_the_report_page(world, client):
    answer = client.get("/events/sw.js")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    assert answer["Service-Worker-Allowed"] == PAGE
    body = answer.content.decode()
    assert 'const PAGE = "/events/report/"' in body and 'const STATIC = "/static/"' in body


def test_a_key_already_spent_on_other_content_says_so_and_offers_a_new_key(world, as_user):
    client = as_user(world.grid_worker)
    key = uuid.uuid4().hex
    client.post(PAGE, fields(category=REQUEST, client_key=key))
    html = client.post(PAGE, fields(category=REQUEST, client_key=key, description="别的")).content
    html = html.decode()
    assert Incident.all_objects.count() == 1
    said = re.search(r'data-testid="form-error">([^<]*)</p>', html).group(1)
    assert Incident.all_objects.get().number in said  # the case the first post made
    assert f'name="client_key" value="{key}"' not in html and 'name="client_key"' in html
