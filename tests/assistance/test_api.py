"""The assistance API: register, masked and unmasked views, a step, bulk verification, numbers."""

from __future__ import annotations

import json

from civicgrid.core.models import AuditEntry
from tests.conftest import client_for

A = "/api/v1/assistance"


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_staff_register_and_see_it_masked(world, sources):
    staff = client_for(world.staff)
    answer = post(staff, f"{A}/applications", {
        "applicant_id_number": world.resident.id_number,
        "items": [{"section": "income", "kind": "wages", "amount": "6000",
                   "resident_id": world.resident.pk}],
        "bank_name": "南京银行", "bank_account": "6222020202020202",
    })  # fmt: skip
    assert answer.status_code == 201, answer.content
    number = answer.json()["number"]
    detail = staff.get(f"{A}/applications/{number}").json()
    assert detail["bank_account"] == "************0202"
    assert "items" not in detail
    assert world.resident.id_number not in json.dumps(detail, ensure_ascii=False)
    # Community staff may not unmask; the town operator may, with a reason, and it is logged.
    assert post(staff, f"{A}/applications/{number}/unmasked", {"reason": "复核"}).status_code == 403
    town = client_for(world.town_operator)
    assert post(town, f"{A}/applications/{number}/unmasked", {"reason": ""}).status_code == 400
    full = post(town, f"{A}/applications/{number}/unmasked", {"reason": "镇级审核"}).json()
    assert full["bank_account"] == "6222020202020202"
    assert full["items"][0]["amount"] == "6000"
    assert AuditEntry.objects.filter(action="assistance.application.viewed_unmasked").count() == 1


def test_bad_input_gets_a_clear_error(world, sources):
    staff = client_for(world.staff)
    answer = post(staff, f"{A}/applications", {
        "applicant_id_number": world.resident.id_number,
        "items": [{"section": "income", "kind": "wages", "amount": "-5"}],
    })  # fmt: skip
    assert answer.status_code == 400
    assert answer.json()["code"] == "assistance.negative_amount"


def test_steps_verification_and_numbers(world, sources):
    staff = client_for(world.staff)
    number = post(
        staff, f"{A}/applications", {"applicant_id_number": world.resident.id_number}
    ).json()["number"]
    assert post(staff, f"{A}/applications/{number}/act/accept", {"version": 1}).status_code == 200
    stale = post(staff, f"{A}/applications/{number}/act/record_visit", {"version": 1, "visit": "x"})
    assert stale.status_code == 409
    town = client_for(world.town_operator)
    verified = post(town, f"{A}/verify", {"numbers": [number]}).json()
    assert verified == [
        {"number": number, "complete": True, "differences": 1, "failed_sources": []}
    ]
    assert client_for(world.outsider).get(f"{A}/applications/{number}").status_code == 404
    numbers = client_for(world.leader).get(f"{A}/numbers").json()
    assert numbers["applications_open"] == 1


def test_the_field_sees_programmes_and_amounts_not_income_figures(world, civil, approved):
    a = approved(items=[])
    seen = client_for(world.staff).get(f"{A}/applications/{a.number}").json()["decision"]
    assert seen["figures"] is False and seen["total_monthly"] == "1600"
    assert "per_capita" not in seen and all(not p["reasons"] for p in seen["programmes"])
    reviewed = client_for(world.town_operator).get(f"{A}/applications/{a.number}").json()
    assert reviewed["decision"]["per_capita"] == "250"
