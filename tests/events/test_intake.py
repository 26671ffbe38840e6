"""Taking in reports: located and routed, kept once, and refused whole when something is wrong."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicgrid.core.errors import DomainError
from civicgrid.events.models import Incident, Photo
from civicgrid.events.services import intake
from civicgrid.notifications.models import Notification
from civicgrid.workflow.models import TimelineEntry
from tests.events.conftest import IN_A1, IN_A2, IN_B1, LITTER, NOWHERE, ROAD, jpeg


def _count() -> tuple[int, int, int]:
    return Incident.all_objects.count(), Photo.objects.count(), TimelineEntry.objects.count()


def test_a_report_is_located_to_its_micro_grid_desk_and_grid_worker(world, report):
    case = report(at=IN_A2)
    assert case.region_id == world.micro_a2.code
    assert case.desk_id == world.community_a.code
    assert case.level == Incident.Level.COMMUNITY
    assert case.location_confirmed
    assert case.responsible_worker == world.grid_worker
    assert case.flow.state == "reported"
    assert case.flow.due_at is not None  # the register stage's deadline
    created = case.flow.timeline.get()
    assert created.kind == "created"
    assert created.actor == world.grid_worker
    assert case.photos.get().stage == "report"


def test_a_grid_worker_may_report_what_they_see_in_the_next_town(world, report):
    case = report(at=IN_B1)
    assert case.region_id == world.micro_b1.code
    assert case.desk_id == world.community_b.code


def test_a_point_outside_every_micro_grid_waits_at_the_reporters_town_centre(world, report):
    case = report(at=NOWHERE)
    assert not case.location_confirmed
    assert case.region_id == world.town_a.code
    assert case.desk_id == world.town_a.code
    assert case.level == Incident.Level.TOWN
    # The town desk is told at once: the place must be confirmed before anything else.
    assert Notification.objects.filter(user=world.town_operator).exists()


def test_an_unknown_or_top_level_category_is_refused_and_nothing_is_written(world, report):
    before = _count()
    for code in ("9999", "01"):
        with pytest.raises(DomainError) as refused:
            report(category=code)
        assert refused.value.code == "events.unknown_category"
    assert _count() == before


def test_a_category_that_needs_a_photo_refuses_a_report_without_one(world, report):
    before = _count()
    with pytest.raises(DomainError) as refused:
        report(category=ROAD, photos=[])
    assert refused.value.code == "events.photo_required"
    assert _count() == before


def test_a_fake_image_is_refused_and_nothing_is_written(world, report):
    before = _count()
    with pytest.raises(DomainError) as refused:
        report(photos=[jpeg(), b"%PDF-1.4 not a photo"])
    assert refused.value.code == "photo.not_an_image"
    assert _count() == before


def test_a_resubmitted_report_with_the_same_key_returns_the_first_case(world):
    def send(description="井盖缺失"):
        return intake.report_incident(
            category=LITTER, description=description, by=world.grid_worker, source="grid_worker",
            lng=IN_A1[0], lat=IN_A1[1], photos=[jpeg()], client_key="phone-7f3a",
        )  # fmt: skip

    first, created = send()
    again, created_again = send()
    assert created and not created_again
    assert again.pk == first.pk
    assert Incident.all_objects.count() == 1
    with pytest.raises(DomainError) as mismatch:
        send(description="something else")
    assert mismatch.value.code == "events.idempotency_mismatch"
    assert Incident.all_objects.count() == 1


def test_a_reporter_may_raise_the_priority_but_not_lower_it(world, report):
    urgent = report(category="0501", priority=2)  # a missing manhole cover is urgent (1)
    assert urgent.priority == 2
    lowered = report(category="0501", priority=0)
    assert lowered.priority == 1
    assert urgent.flow.due_at < lowered.flow.due_at


def test_bad_coordinates_and_roles_that_do_not_report_are_refused(world, report):
    with pytest.raises(DomainError) as bad:
        report(at=(200.0, 31.0))
    assert bad.value.code == "locate.invalid_coordinates"
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        report(by=world.leader)


def test_a_report_without_any_place_from_a_county_operator_waits_at_the_county(world, report):
    case = report(by=world.county_operator, at=None, source="hotline")
    assert case.region_id == world.county.code
    assert case.level == Incident.Level.COUNTY
    assert not case.location_confirmed


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=2100))
def test_any_description_is_either_taken_or_refused_with_a_code(world, text):
    before = Incident.all_objects.count()
    try:
        intake.report_incident(
            category="1101", description=text, by=world.grid_worker, source="grid_worker",
            lng=IN_A1[0], lat=IN_A1[1],
        )  # fmt: skip
    except DomainError as exc:
        assert exc.code in {"events.missing_field", "events.too_long", "events.bad_characters"}
        assert Incident.all_objects.count() == before
    else:
        assert text.strip() and len(text.strip()) <= 2000
        assert not any(ord(c) < 32 and c not in "\n\r\t" for c in text.strip())
        assert Incident.all_objects.count() == before + 1


def test_a_case_number_drawn_twice_is_drawn_again(world, report, monkeypatch):
    drawn = iter(["261129AAAAAA", "261129AAAAAA", "261129BBBBBB"])
    monkeypatch.setattr(intake, "new_number", lambda now: next(drawn))
    first, second = report(), report()
    assert (first.number, second.number) == ("261129AAAAAA", "261129BBBBBB")
    assert Incident.all_objects.count() == 2
