"""Many timeline rows at once (`core.bulk`): COPY on PostgreSQL, bulk_create elsewhere, same rows."""

from __future__ import annotations

from datetime import timedelta

from civicgrid.core import bulk
from civicgrid.workflow.models import TimelineEntry
from tests.workflow.conftest import MONDAY_9

FIELDS = ("flow_id", "kind", "at", "actor_id", "actor_label", "source_ip", "transition",
          "from_state", "to_state", "note", "data")  # fmt: skip


def _row(flow, world, n: int) -> tuple:
    due = MONDAY_9 + timedelta(hours=n)
    return (flow.pk, "event", MONDAY_9, world.staff.pk, "sally_staff", None, "",
            "", "", f"note {n}", {"n": n, "due_at": due})  # fmt: skip


def test_rows_are_stored_as_given_and_their_new_ids_come_back_in_order(start, world):
    flow = start()
    ids = bulk.insert_rows(TimelineEntry, FIELDS, [_row(flow, world, n) for n in range(3)])
    stored = {entry.pk: entry for entry in TimelineEntry.objects.filter(pk__in=ids)}
    assert [stored[pk].note for pk in ids] == ["note 0", "note 1", "note 2"]
    first = stored[ids[0]]
    assert (first.flow_id, first.actor_id, first.at, first.source_ip) == (
        flow.pk,
        world.staff.pk,
        MONDAY_9,
        None,
    )
    # JSON values go through the field's own encoder (DjangoJSONEncoder: datetimes as text).
    assert first.data == {"n": 0, "due_at": MONDAY_9.isoformat()}


def test_rows_added_the_ordinary_way_afterwards_get_ids_of_their_own(start, world):
    flow = start()
    ids = bulk.insert_rows(TimelineEntry, FIELDS, [_row(flow, world, n) for n in range(4)])
    later = TimelineEntry.objects.create(flow=flow, kind="comment", note="afterwards")
    assert later.pk not in ids
    assert TimelineEntry.objects.filter(pk__in=[*ids, later.pk]).count() == 5


def test_any_number_of_rows_is_copied_a_chunk_at_a_time(start, world, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 2)
    flow = start()
    before = TimelineEntry.objects.count()
    rows = (_row(flow, world, n) for n in range(5))  # read once, never listed whole
    assert bulk.copy_rows(TimelineEntry, FIELDS, rows) == 5
    assert TimelineEntry.objects.count() == before + 5
    assert TimelineEntry.objects.filter(note="note 4", data__n=4).exists()


def test_no_rows_store_nothing(start):
    before = TimelineEntry.objects.count()
    assert bulk.insert_rows(TimelineEntry, FIELDS, []) == []
    assert bulk.copy_rows(TimelineEntry, FIELDS, iter(())) == 0
    assert TimelineEntry.objects.count() == before
