"""Duplicates: reports of one incident, near in space and time, become one case."""

from __future__ import annotations

import pytest
from django_scopes import scope

from civicgrid.core.errors import DomainError
from civicgrid.events import selectors
from civicgrid.events.services import merging
from civicgrid.notifications.models import Notification


def test_nearby_reports_of_one_category_are_offered_and_merged(world, report):
    first = report(at=(118.5, 31.5))
    second = report(at=(118.5005, 31.5005))  # about 70 m away
    far = report(at=(118.9, 31.9))
    other_kind = report(at=(118.5, 31.5), category="1101")
    with scope(region=world.staff.region_code):  # as RegionScopeMiddleware does for a request
        found = selectors.merge_candidates(second, world.staff)
    assert [c.incident for c in found] == [first]
    assert 50 < found[0].distance_m < 100
    assert far not in [c.incident for c in found]
    assert other_kind not in [c.incident for c in found]

    merging.merge(incident=second, into=first, by=world.staff, version=second.flow.version)
    second.refresh_from_db()
    assert second.flow.state == "merged"
    assert second.merged_into == first
    assert first.flow.timeline.filter(transition="merged").exists()
    assert Notification.objects.filter(user=world.grid_worker, code="events.merged").exists()


def test_a_case_cannot_merge_into_itself_another_category_or_a_closed_case(world, report):
    one = report()
    dispute = report(category="1101")
    with pytest.raises(DomainError) as itself:
        merging.merge(incident=one, into=one, by=world.staff, version=one.flow.version)
    assert itself.value.code == "events.merge_into_itself"
    with pytest.raises(DomainError) as other:
        merging.merge(incident=one, into=dispute, by=world.staff, version=one.flow.version)
    assert other.value.code == "events.merge_other_category"
    one.refresh_from_db()
    assert one.flow.state == "reported"
