"""The live board: what waits in the operator's area, refreshed without reloading the page."""

from __future__ import annotations

import io
import re
import wave

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicgrid.command import sound
from civicgrid.events.services import escalation, steps
from civicgrid.workflow.models import Flow
from tests.events.conftest import IN_A1, IN_B1

BOARD = "/command/"


def _section(client, key, **params):
    return client.get(f"/command/board/{key}/", params)


def _poll_url(html: str, key: str) -> str:
    """The URL the section's own hx-get polls next (digest and, for new reports, `after`)."""
    block = re.search(rf'id="section-{key}"[^>]*?hx-get="([^"]+)"', html, re.S)
    assert block, html[:500]
    return block[1].replace("&amp;", "&")


def test_an_operator_sees_a_new_report_with_a_link_to_its_case(world, report, as_user):
    incident = report(description="井盖缺失")
    page = as_user(world.staff).get(BOARD)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/events/{incident.number}/"' in html
    assert incident.number in _text_of(html, "new")
    assert incident.number not in _text_of(html, "due")


def test_the_new_reports_list_answers_204_while_nothing_changed(world, report, as_user):
    report()
    client = as_user(world.town_operator)
    url = _poll_url(client.get(BOARD).content.decode(), "new")
    assert client.get(url).status_code == 204

    fresh = report(description="新的上报")
    changed = client.get(url)
    assert changed.status_code == 200
    html = changed.content.decode()
    assert fresh.number in html and 'class="case fresh"' in html
    assert "data-alarm" not in html  # a normal report is shown, not rung


def test_a_new_emergency_raises_the_alarm_once(world, report, as_user):
    client = as_user(world.town_operator)
    url = _poll_url(client.get(BOARD).content.decode(), "new")
    emergency = report(priority=2, description="燃气泄漏")
    html = client.get(url).content.decode()
    assert 'data-alarm="1"' in html and 'data-testid="emergency-marker"' in html
    assert re.search(rf'class="case emergency fresh"\s+data-number="{emergency.number}"', html)
    # The next poll carries the newest id: the same emergency no longer rings.
    after = client.get(_poll_url(html, "new"))
    assert after.status_code == 204
    report(description="普通上报")
    again = client.get(_poll_url(html, "new")).content.decode()
    assert "data-alarm" not in again and 'data-testid="emergency-marker"' in again


def test_an_emergency_already_there_when_the_page_opens_is_marked_but_does_not_ring(
    world, report, as_user
):
    report(priority=2)
    html = as_user(world.staff).get(BOARD).content.decode()
    assert 'data-testid="emergency-marker"' in html and "data-alarm" not in html


def test_overdue_and_due_soon_cases_are_listed_soonest_first(world, report, as_user):
    late, soon, calm = report(), report(), report()
    now = timezone.now()
    Flow.all_objects.filter(pk=late.flow_id).update(
        overdue=True, due_at=now - timezone.timedelta(hours=2)
    )
    Flow.all_objects.filter(pk=soon.flow_id).update(
        due_soon_at=now - timezone.timedelta(minutes=5), due_at=now + timezone.timedelta(hours=1)
    )
    Flow.all_objects.filter(pk=calm.flow_id).update(
        due_soon_at=now + timezone.timedelta(hours=5), due_at=now + timezone.timedelta(hours=6)
    )
    body = as_user(world.town_operator).get("/api/v1/command/board").json()
    assert [i["number"] for i in body["due"]["items"]] == [late.number, soon.number]
    assert body["due"]["items"][0]["overdue"] is True and body["due"]["total"] == 2


def test_whistles_wait_on_the_board_until_the_department_reports_for_duty(world, report, as_user):
    incident = report()
    steps.register(incident=incident, by=world.staff, version=1)
    (summons,) = escalation.summon(
        incident=incident, departments=[world.officer.organisation_id], by=world.staff
    )
    client = as_user(world.town_operator)
    waiting = client.get("/api/v1/command/board").json()["whistles"]
    assert [(i["number"], i["detail"]) for i in waiting["items"]] == [
        (incident.number, world.officer.organisation.name)
    ]
    escalation.acknowledge(summons=summons, by=world.officer)
    assert client.get("/api/v1/command/board").json()["whistles"]["items"] == []


def test_supervised_cases_are_listed_with_the_note(world, report, as_user):
    incident = report()
    steps.supervise(incident=incident, by=world.leader, note="三天内办结")
    body = as_user(world.leader).get("/api/v1/command/board").json()
    assert [(i["number"], i["detail"]) for i in body["supervised"]["items"]] == [
        (incident.number, "三天内办结")
    ]


def test_the_sibling_towns_desk_sees_nothing_of_town_a(world, report, as_user, town_b_operator):
    a = report(priority=2)
    steps.supervise(incident=a, by=world.leader, note="督办")
    b = report(at=IN_B1, by=world.outsider)
    client = as_user(town_b_operator)
    body = client.get("/api/v1/command/board").json()
    numbers = {i["number"] for part in body.values() for i in part["items"]}
    assert numbers == {b.number}
    html = client.get(BOARD).content.decode()
    assert a.number not in html and b.number in html
    assert a.number not in client.get("/command/board/new/").content.decode()


def test_who_may_open_the_board(world, as_user):
    assert as_user(world.grid_worker).get(BOARD).status_code == 403
    assert as_user(world.officer).get(BOARD).status_code == 403
    assert as_user(world.outsider).get("/command/board/new/").status_code == 403
    assert as_user(world.officer).get("/api/v1/command/board").status_code == 403
    for user in (world.staff, world.town_operator, world.county_operator, world.leader):
        assert as_user(user).get(BOARD).status_code == 200, user.username


def test_an_unknown_section_is_not_found(world, as_user):
    assert as_user(world.staff).get("/command/board/everything/").status_code == 404


def test_the_board_costs_the_same_queries_for_one_case_or_many(
    world, report, as_user, django_assert_max_num_queries
):
    client = as_user(world.town_operator)
    report()
    with CaptureQueriesContext(connection) as one:
        client.get(BOARD)
    for _ in range(6):
        report(at=IN_A1)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(BOARD)


def _text_of(html: str, key: str) -> str:
    start = html.index(f'id="section-{key}"')
    return html[start : html.index("</section>", start)]


def test_the_alarm_is_a_local_wav_made_from_code_and_the_page_asks_before_playing(world, as_user):
    data = sound.STATIC_FILE.read_bytes()
    assert data == sound.alarm_wav()
    with wave.open(io.BytesIO(data)) as wav:
        assert wav.getnchannels() == 1 and 0.3 < wav.getnframes() / wav.getframerate() < 2
    html = as_user(world.staff).get(BOARD).content.decode()
    assert 'src="/static/command/alarm.wav"' in html and 'data-testid="sound-toggle"' in html
    assert "autoplay" not in html


def test_polling_does_not_keep_an_idle_session_alive(world, as_user, settings, monkeypatch):
    import time

    client = as_user(world.town_operator)
    start = time.time()
    client.get(BOARD)  # the person opens the board
    poll = {"HTTP_HX_REQUEST": "true", "HTTP_X_BACKGROUND_REFRESH": "1"}
    monkeypatch.setattr(time, "time", lambda: start + settings.SESSION_IDLE_TIMEOUT - 60)
    assert client.get("/command/board/new/", **poll).status_code == 200
    monkeypatch.setattr(time, "time", lambda: start + settings.SESSION_IDLE_TIMEOUT + 5)
    answer = client.get("/command/board/new/", **poll)
    # Idle for longer than the limit although the page kept polling: signed out, and the
    # whole page (not the list) is sent to the sign-in form.
    assert answer.status_code == 200 and answer["HX-Redirect"].startswith("/accounts/login/")
    assert client.get("/api/v1/command/board").status_code == 401
