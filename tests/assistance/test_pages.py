"""The assistance pages: register at the window, take the steps, see the decision explained,
open the audit-logged unmasked panel, alerts and the payment roll."""

from __future__ import annotations

from civicgrid.assistance.models import Application
from civicgrid.core.models import AuditEntry
from tests.conftest import client_for


def test_window_registration_and_steps_to_the_notice(world, civil, sources):
    staff = client_for(world.staff)
    page = staff.post("/assistance/new/", {
        "id_number": world.resident.id_number, "channel": "window", "income-wages": "6000",
        "asset-vehicle": "0", "asset-housing": "1", "bank_name": "南京银行",
        "bank_account": "6222020202020202",
    })  # fmt: skip
    assert page.status_code == 302, page.content.decode()[:2000]
    a = Application.all_objects.get()
    detail = staff.get(f"/assistance/{a.number}/").content.decode()
    assert "************0202" in detail and "6222020202020202" not in detail
    staff.post(f"/assistance/{a.number}/act/accept/", {"version": 1})
    staff.post(f"/assistance/{a.number}/act/record_visit/", {"version": 2, "visit": "已入户"})
    town = client_for(civil["town"])
    town.post(f"/assistance/{a.number}/act/verify/")
    a.flow.refresh_from_db()
    assert 'data-testid="act-propose"' in town.get(f"/assistance/{a.number}/").content.decode()
    answer = town.post(f"/assistance/{a.number}/act/propose/", {"version": a.flow.version})
    assert answer.status_code == 302
    page = town.get(f"/assistance/{a.number}/").content.decode()
    # (1,050 − 6,000 / 12 / 2) × 2 = 1,600, explained in words.
    assert "1600" in page and 'data-programme="dibao" data-eligible="1"' in page
    # A decision attempted before the notice ends is refused with the reason on the page.
    a.flow.refresh_from_db()
    early = town.post(f"/assistance/{a.number}/act/close_notice/", {"version": a.flow.version})
    assert early.status_code == 400 and "assistance.notice_running" in early.content.decode()


def test_the_unmasked_panel_is_logged(world, civil, apply):
    a = apply(bank_account="6222020202020202")
    town = client_for(civil["town"])
    panel = town.post(f"/assistance/{a.number}/unmask/", {"reason": "审核"}, HTTP_HX_REQUEST="true")
    assert "6222020202020202" in panel.content.decode()
    assert AuditEntry.objects.filter(action="assistance.application.viewed_unmasked").exists()
    assert (
        client_for(world.staff).post(f"/assistance/{a.number}/unmask/", {"reason": "x"}).status_code
        == 403
    )


def test_bad_input_on_the_form_is_shown_and_nothing_is_written(world, sources):
    page = client_for(world.staff).post(
        "/assistance/new/", {"id_number": world.resident.id_number, "income-wages": "abc"}
    )
    assert page.status_code == 400 and "assistance.bad_amount" in page.content.decode()
    assert not Application.all_objects.exists()


def test_alerts_and_roll_pages(world, civil, approved):
    approved(bank_account="6222020202020202")
    assert client_for(world.staff).get("/assistance/alerts/").status_code == 200
    county = client_for(civil["county"])
    page = county.post("/assistance/roll/?county=320113&month=2024-08")
    assert page.status_code == 200 and "************0202" in page.content.decode()
    export = county.post(
        "/assistance/roll/?county=320113&month=2024-08", {"export": "1", "reason": "8月发放"}
    )
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_numbers_name_each_programme_in_words(world, civil, approved):
    approved()
    page = client_for(civil["county"]).get("/assistance/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "minimum living guarantee (低保)" in html
    assert "<td>dibao</td>" not in html
