"""What one report costs the database, and the shortcuts that keep it small (bench/intake.py)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from civicgrid.events import categories
from civicgrid.events.models import Category, FieldPosition, Incident
from civicgrid.events.services import intake
from tests.events.conftest import IN_A1, IN_A2, LITTER

# What a located report writes and reads: the flow's region, the flow, its "created" entry,
# the grid worker, the incident, the reporter's position (one upsert). No probe of the key: a
# replay is found by the key's unique index.
# Categories and the boundaries version come from the process's copies. The command centre
# listens inside the same transaction and leaves the report's one row of counts to be folded.
STATEMENTS = 6 + 1
NOISE = "1004"  # 社会生活噪声扰民: no photo required


def _statements(captured: CaptureQueriesContext) -> list[str]:
    # Transaction control (BEGIN, SAVEPOINT, RELEASE, COMMIT) depends on the backend and on the
    # test's own transaction; the budget counts the statements that do work.
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].split(" ", 1)[0].upper() not in {"BEGIN", "SAVEPOINT", "RELEASE", "COMMIT"}
    ]


def test_a_located_report_with_a_key_takes_a_handful_of_statements(world, report):
    report(at=IN_A1, category=NOISE, photos=[], client_key="warm-up")  # fills the process caches
    with CaptureQueriesContext(connection) as captured:
        case = report(at=IN_A2, category=NOISE, photos=[], client_key="phone-1-0002")
    assert case.region_id == world.micro_a2.code
    sql = _statements(captured)
    assert len(sql) <= STATEMENTS, "\n".join(sql)
    assert not any("events_category" in q or "regions_layerversion" in q for q in sql)


def test_a_category_added_after_the_process_read_the_table_is_reportable_at_once(world, report):
    report(category=LITTER)  # the process now has its copy
    with scopes_disabled():
        Category.objects.create(code="0199", name="新的小类", parent_id="01", kind="event")
    case = report(category="0199")
    assert case.category_id == "0199"


def test_reportable_means_an_active_subclass(world):
    assert categories.reportable(LITTER) is not None
    assert categories.reportable("01") is None  # a class, not a subclass
    assert categories.reportable("9999") is None
    Category.objects.filter(code=LITTER).update(is_active=False)
    categories.forget()  # what the admin does after an edit
    assert categories.reportable(LITTER) is None


def test_the_reporters_position_is_one_row_that_follows_their_last_report(world, report):
    report(at=IN_A1)
    report(at=IN_A2)
    position = FieldPosition.objects.get(user=world.grid_worker)
    assert (position.lng, position.lat) == IN_A2
    assert position.at == Incident.all_objects.order_by("-pk").first().reported_at


def test_a_case_number_drawn_twice_is_drawn_again_and_nothing_is_lost(world, report, monkeypatch):
    first = report(category=NOISE, photos=[])
    drawn = iter([first.number, "261129NEW001"])
    monkeypatch.setattr(intake, "new_number", lambda now: next(drawn))
    second = report(category=NOISE, photos=[], client_key="phone-2-0001")
    assert second.number == "261129NEW001"
    assert Incident.all_objects.count() == 2
    assert second.flow.timeline.count() == 1  # the first try's flow and entry were rolled back
