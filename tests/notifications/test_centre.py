"""The notification centre: one's own list, unread count, marking read, the page and its badge."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from civicgrid.notifications.models import Notification
from civicgrid.notifications.services import mark_read, notify


def _tell(user, n: int = 1, **kw) -> list[Notification]:
    ids = [
        notify(
            users=[user], code="events.overdue", title=f"E{i} overdue", link=f"/events/E{i}/", **kw
        )[0]
        for i in range(n)
    ]
    return list(Notification.objects.filter(pk__in=ids).order_by("pk"))


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_marking_read_touches_only_ones_own(world):
    mine = _tell(world.staff, 2)
    theirs = _tell(world.town_operator)
    assert mark_read(user=world.staff, ids=[mine[0].pk, theirs[0].pk]) == 1
    assert mark_read(user=world.staff) == 1
    assert Notification.objects.filter(read_at__isnull=True).get() == theirs[0]


def test_the_api_lists_ones_own_newest_first_a_page_at_a_time(world, as_user):
    _tell(world.staff, 25)
    _tell(world.town_operator, 3)
    client = as_user(world.staff)
    first = client.get("/api/v1/notifications").json()
    assert first["count"] == 25
    assert len(first["items"]) == 20
    assert first["items"][0]["title"] == "E24 overdue"
    second = client.get("/api/v1/notifications?page=2").json()
    assert [i["title"] for i in second["items"]][-1] == "E0 overdue"
    other = as_user(world.town_operator).get("/api/v1/notifications").json()
    assert other["count"] == 3


def test_the_api_shows_times_in_shanghai(world, as_user):
    (note,) = _tell(world.staff)
    Notification.objects.filter(pk=note.pk).update(
        created_at=datetime(2026, 11, 29, 2, 30, tzinfo=UTC)
    )
    item = as_user(world.staff).get("/api/v1/notifications").json()["items"][0]
    assert item["created_at"].startswith("2026-11-29T10:30:00")
    assert item["created_at"].endswith("+08:00")


def test_the_api_counts_unread_and_marks_read_by_id_or_all(world, as_user):
    notes = _tell(world.staff, 3)
    (theirs,) = _tell(world.town_operator)
    client = as_user(world.staff)
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 3}
    answer = _post(client, "/api/v1/notifications/read", {"ids": [notes[0].pk, theirs.pk]})
    assert answer.json() == {"marked": 1, "unread": 2}
    unread = client.get("/api/v1/notifications?unread=true").json()
    assert {i["id"] for i in unread["items"]} == {notes[1].pk, notes[2].pk}
    assert _post(client, "/api/v1/notifications/read", {"all": True}).json() == {
        "marked": 2,
        "unread": 0,
    }
    assert Notification.objects.filter(pk=theirs.pk, read_at__isnull=True).exists()


def test_the_api_wants_ids_or_all(world, as_user):
    answer = _post(as_user(world.staff), "/api/v1/notifications/read", {})
    assert answer.status_code == 400
    assert answer.json()["code"] == "notifications.nothing_to_mark"


def test_the_page_lists_mine_and_the_badge_counts_unread(world, as_user):
    _tell(world.staff, 2)
    _tell(world.town_operator)
    client = as_user(world.staff)
    page = client.get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="unread"') == 2
    assert 'data-testid="unread-badge">2<' in html
    client.post("/notifications/read/")
    html = client.get("/notifications/").content.decode()
    assert 'class="unread"' not in html
    assert "unread-badge" not in html


def test_opening_one_marks_it_read_and_goes_to_the_case(world, as_user):
    (note,) = _tell(world.staff)
    answer = as_user(world.staff).get(f"/notifications/{note.pk}/open/")
    assert answer.status_code == 302
    assert answer["Location"] == "/events/E0/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_someone_elses_notification_is_not_found(world, as_user):
    (note,) = _tell(world.staff)
    assert as_user(world.town_operator).get(f"/notifications/{note.pk}/open/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_a_link_off_the_site_is_not_followed(world, as_user):
    (note_id,) = notify(users=[world.staff], code="x", title="odd", link="//evil.example/")
    answer = as_user(world.staff).get(f"/notifications/{note_id}/open/")
    assert answer["Location"] == "/notifications/"
