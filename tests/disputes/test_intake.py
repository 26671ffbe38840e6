"""Taking in a dispute: graded at once, parties kept (from the register or new), bad input refused
with nothing half-written, ID numbers masked."""

from __future__ import annotations

from datetime import date

import pytest

from civicgrid.core.errors import DomainError
from civicgrid.disputes.models import Dispute, GradeChange, Party
from civicgrid.notifications.models import Notification
from civicgrid.workflow.models import Flow
from tests import factories as f
from tests.disputes.conftest import A1, IN_A1, parties

pytestmark = pytest.mark.django_db


def test_a_window_intake_is_registered_graded_and_started(world, receive):
    dispute = receive(amount="60000")
    assert dispute.number.startswith("D")
    assert dispute.flow.state == "registered"
    assert dispute.colour == "yellow"
    assert [r["code"] for r in dispute.colour_reasons] == ["amount_50k"]
    assert dispute.flow.priority == 1
    assert dispute.due_at is not None and (dispute.due_at - dispute.received_at).days == 15
    (grade,) = GradeChange.objects.filter(dispute=dispute)
    assert (grade.from_colour, grade.to_colour) == ("", "yellow")
    assert dispute.parties.count() == 2


def test_a_point_is_located_to_its_micro_grid(world, receive):
    dispute = receive(region_code="", lng=IN_A1[0], lat=IN_A1[1])
    assert dispute.region_id == A1


def test_a_resident_of_the_register_becomes_a_party_without_retyping(world, receive):
    dispute = receive(parties=[{"role": "applicant", "resident_id": world.resident.pk}, parties()[1]])  # fmt: skip
    party = dispute.parties.get(role="applicant")
    assert party.name == "王建国"
    assert party.id_number == world.resident.id_number
    assert party.resident_id == world.resident.pk


def test_an_old_party_makes_the_dispute_vulnerable_and_yellow(world, receive):
    old = f.id_number("320113", date(1935, 1, 1), 11)
    dispute = receive(parties=parties(id_number=old))
    assert dispute.vulnerable_party is True
    assert dispute.colour == "yellow"


def test_a_red_dispute_alerts_the_town_and_county_at_once(world, receive):
    dispute = receive(threat_violence=True)
    assert dispute.colour == "red"
    alerted = set(
        Notification.objects.filter(code="disputes.red_alert").values_list(
            "user__username", flat=True
        )
    )
    assert {"tom_town", "carol_county"} <= alerted


def _nothing_written():
    return (Dispute.all_objects.count(), Party.objects.count(), Flow.all_objects.count())


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"parties": [{"role": "applicant", "name": "张三"}]}, "disputes.parties_missing"),
        ({"parties": []}, "disputes.parties_missing"),
        ({"dispute_type": "astrology"}, "disputes.unknown_type"),
        ({"parties": parties(id_number="320113195003011234")}, "identity.id_check"),
        ({"parties": parties(phone="12345")}, "identity.phone"),
        ({"parties": [{"role": "judge", "name": "x"}, parties()[1]]}, "disputes.bad_party_role"),
        ({"source": "rumour"}, "disputes.unknown_source"),
        ({"facts": "  "}, "disputes.missing_field"),
        ({"amount": "-5"}, "disputes.bad_amount"),
        ({"region_code": "320113003001001001"}, "disputes.outside_area"),
        ({"region_code": "999"}, "disputes.unknown_place"),
        (
            {"parties": [{"role": "applicant", "resident_id": 999999}, parties()[1]]},
            "disputes.unknown_resident",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_half_written(world, receive, kw, code):
    before = _nothing_written()
    with pytest.raises(DomainError) as raised:
        receive(**kw)
    assert raised.value.code == code
    assert _nothing_written() == before


def test_a_resident_outside_ones_area_cannot_be_picked(world, receive):
    with pytest.raises(DomainError) as raised:
        receive(
            by=world.outsider,
            region_code="320113003001001001",
            parties=[{"role": "applicant", "resident_id": world.resident.pk}, parties()[1]],
        )
    assert raised.value.code == "disputes.unknown_resident"


def test_the_api_shows_id_numbers_and_phones_masked(world, receive, as_user):
    number = f.id_number("320113", date(1980, 5, 5), 11)
    dispute = receive(parties=parties(id_number=number))
    body = as_user(world.staff).get(f"/api/v1/disputes/cases/{dispute.number}").json()
    applicant = body["parties"][0]
    assert applicant["id_number"] == number[:4] + "*" * 10 + number[-4:]
    assert applicant["phone"] == "138****1111"
    assert number not in str(body)


def test_intake_through_the_api_answers_201_and_errors_as_code_and_message(world, as_user):
    client = as_user(world.grid_worker)
    ok = client.post(
        "/api/v1/disputes/cases",
        {
            "source": "grid_worker",
            "dispute_type": "labour",
            "facts": "拖欠工资三个月",
            "parties": parties(),
            "people_involved": 12,
            "amount": 80000,
            "lng": IN_A1[0],
            "lat": IN_A1[1],
        },
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["colour"] == "orange"
    bad = client.post(
        "/api/v1/disputes/cases",
        {"source": "grid_worker", "dispute_type": "labour", "facts": "x", "parties": parties()[:1]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "disputes.parties_missing"


def test_photos_and_pdfs_are_attached_and_anything_else_refused(world, receive, as_user):
    from tests.events.conftest import jpeg

    dispute = receive()
    client = as_user(world.staff)
    url = f"/api/v1/disputes/cases/{dispute.number}/attachments"
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    ok = client.post(url, {"file": SimpleUploadedFile("合同.pdf", pdf)})
    assert ok.status_code == 201 and ok.json()["content_type"] == "application/pdf"
    photo = client.post(url, {"file": SimpleUploadedFile("现场.jpg", jpeg())})
    assert photo.status_code == 201 and photo.json()["content_type"] == "image/jpeg"
    bad = client.post(url, {"file": SimpleUploadedFile("evil.pdf", b"<html><script>")})
    assert bad.status_code == 400
    got = client.get(f"{url}/{ok.json()['id']}")
    assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment")
    assert b"".join(got.streaming_content) == pdf
    assert as_user(world.outsider).get(f"{url}/{ok.json()['id']}").status_code == 404
