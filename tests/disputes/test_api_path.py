"""The whole path through the API: intake → route → assign → session → agreement → documents →
follow-ups → close, each step by the persona whose job it is; and who may not."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from docx import Document

from tests.conftest import client_for
from tests.disputes.conftest import IN_A1, parties

pytestmark = pytest.mark.django_db


def _post(client, url, body):
    response = client.post(url, body, content_type="application/json")
    assert response.status_code in (200, 201), (url, response.status_code, response.content)
    return response.json()


def test_intake_to_close_through_the_api(world, mediation):
    desk = client_for(world.staff)
    mediator = client_for(mediation.mediator)
    worker = client_for(world.grid_worker)
    case = _post(desk, "/api/v1/disputes/cases", {
        "source": "window", "dispute_type": "property", "facts": "物业费争议，业主拒交三年物业费",
        "parties": parties(), "amount": 8000, "people_involved": 12, "lng": IN_A1[0], "lat": IN_A1[1],
    })  # fmt: skip
    url = f"/api/v1/disputes/cases/{case['number']}"
    assert case["colour"] == "orange"
    suggestions = desk.get(f"{url}/suggestions").json()
    assert suggestions[0]["name"] == "尧化街道人民调解委员会"
    case = _post(desk, f"{url}/route", {"version": case["version"], "organisation": suggestions[0]["organisation"]})  # fmt: skip
    # The mediators of the organisation see it now, and assign one of their own.
    assert mediator.get("/api/v1/disputes/cases").json()["count"] == 1
    case = _post(mediator, f"{url}/assign", {"version": case["version"], "mediator": mediation.mediator.pk})  # fmt: skip
    assert case["state"] == "mediating"
    starts = (timezone.now() + timedelta(days=1)).isoformat()
    session = _post(mediator, f"{url}/sessions", {"starts_at": starts, "mode": "in_person", "place": "街道调解室"})  # fmt: skip
    past = (timezone.now() - timedelta(days=1)).isoformat()
    refused = mediator.post(f"{url}/sessions", {"starts_at": past, "mode": "online", "place": "x"}, content_type="application/json")  # fmt: skip
    assert (refused.status_code, refused.json()["code"]) == (400, "disputes.session_in_past")
    # An agreement document before there is an agreement: a clear refusal.
    early = mediator.get(f"{url}/documents/agreement.docx")
    assert (early.status_code, early.json()["code"]) == (409, "disputes.no_agreement")
    today = timezone.localdate()
    case = _post(mediator, f"{url}/agreement", {
        "version": case["version"], "disputed_issues": "物业费是否应当缴纳",
        "content": "业主于一个月内补缴物业费8000元，物业公司维修电梯", "performance_method": "业主向物业公司转账",
        "performance_deadline": str(today + timedelta(days=30)), "effective_on": str(today),
    })  # fmt: skip
    assert case["state"] == "following_up"
    docx = mediator.get(f"{url}/documents/agreement.docx")
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "业主于一个月内补缴物业费8000元" in text
    pdf = desk.get(f"{url}/documents/record.pdf")
    assert pdf.content.startswith(b"%PDF")
    for visit in case["follow_ups"]:
        case = _post(worker, f"{url}/follow-ups/{visit['id']}", {"performance": "performed", "note": "已履行"})  # fmt: skip
    case = _post(mediator, f"{url}/close", {"version": case["version"]})
    assert case["state"] == "closed"
    assert session["mode"] == "in_person"


def test_outsiders_get_404_and_the_wrong_role_403(world, mediation, receive):
    dispute = receive()
    url = f"/api/v1/disputes/cases/{dispute.number}"
    assert client_for(world.outsider).get(url).status_code == 404
    assert (
        client_for(mediation.other_mediator).get(url).status_code == 404
    )  # not their organisation
    response = client_for(world.leader).post(f"{url}/route", {"version": 1, "organisation": mediation.town_committee.pk}, content_type="application/json")  # fmt: skip
    assert response.status_code == 403
