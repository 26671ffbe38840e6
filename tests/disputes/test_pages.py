"""The pages: list, intake form, one dispute with its actions (a refusal shown beside the form),
numbers with htmx."""

from __future__ import annotations

import pytest

from civicgrid.disputes.models import Dispute

pytestmark = pytest.mark.django_db

A1 = "320113002001001001"


def test_the_intake_form_registers_and_opens_the_dispute(world, as_user):
    client = as_user(world.staff)
    assert client.get("/disputes/new/").status_code == 200
    response = client.post("/disputes/new/", {
        "dispute_type": "family", "source": "window", "region_code": A1, "facts": "离婚后子女抚养费纠纷",
        "amount": "0", "people_involved": "", "a_name": "王芳", "a_phone": "13800002222", "r_name": "赵强",
    })  # fmt: skip
    dispute = Dispute.all_objects.get()
    assert response.status_code == 302 and response.url == f"/disputes/{dispute.number}/"
    page = client.get(response.url).content.decode()
    assert "离婚后子女抚养费纠纷" in page and "138****2222" in page


def test_a_missing_party_is_shown_beside_the_form_and_nothing_is_written(world, as_user):
    response = as_user(world.staff).post("/disputes/new/", {"dispute_type": "family", "source": "window", "region_code": A1, "facts": "x", "a_name": "王芳"})  # fmt: skip
    assert response.status_code == 400
    assert 'data-testid="error"' in response.content.decode()
    assert not Dispute.all_objects.exists()


def test_the_desk_routes_from_the_page_and_sees_why(world, mediation, receive, as_user):
    dispute = receive()
    client = as_user(world.staff)
    page = client.get(f"/disputes/{dispute.number}/").content.decode()
    assert "尧化门社区人民调解委员会" in page and 'data-testid="act-route"' in page
    response = client.post(f"/disputes/{dispute.number}/act/route/", {"version": dispute.flow.version, "organisation": mediation.community_committee.pk})  # fmt: skip
    assert response.status_code == 302
    stale = client.post(f"/disputes/{dispute.number}/act/route/", {"version": 1, "organisation": mediation.community_committee.pk})  # fmt: skip
    assert stale.status_code == 409


def test_the_list_and_numbers_pages(world, receive, as_user):
    receive(threat_violence=True)
    client = as_user(world.county_operator)
    listed = client.get("/disputes/?colour=red").content.decode()
    assert "colour-red" in listed
    full = client.get("/disputes/numbers/?by=colour")
    assert full.status_code == 200 and 'data-testid="numbers-form"' in full.content.decode()
    partial = client.get("/disputes/numbers/?by=type", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'data-testid="numbers-rows"' in partial
    assert as_user(world.grid_worker).get("/disputes/numbers/").status_code == 403


def test_an_outsider_gets_404_for_a_dispute_page(world, receive, as_user):
    assert as_user(world.outsider).get(f"/disputes/{receive().number}/").status_code == 404


def test_a_pdf_is_attached_from_the_page(world, receive, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dispute = receive()
    client = as_user(world.staff)
    pdf = SimpleUploadedFile("欠条.pdf", b"%PDF-1.4\n%%EOF\n")
    assert client.post(f"/disputes/{dispute.number}/act/attach/", {"file": pdf}).status_code == 302
    assert "欠条.pdf" in client.get(f"/disputes/{dispute.number}/").content.decode()
    refused = client.post(f"/disputes/{dispute.number}/act/attach/", {"file": SimpleUploadedFile("x.pdf", b"MZ")})  # fmt: skip
    assert refused.status_code == 400


def test_a_grid_worker_is_not_offered_the_desks_steps(world, receive, as_user):
    page = as_user(world.grid_worker).get(f"/disputes/{receive().number}/").content.decode()
    assert 'data-testid="act-route"' not in page
    assert "/act/withdraw/" not in page
