"""`civicgrid demo`: the demo world at community scale, built once and not changed by a rerun."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from civicgrid.accounts.models import User
from civicgrid.assistance.models import Alert, Application
from civicgrid.command.models import Rollup, RollupChange
from civicgrid.demo.management.commands.demo import area_of_scale
from civicgrid.disputes.models import Dispute
from civicgrid.people.models import Household, Resident, ResidentTag
from civicgrid.regions.levels import Level
from civicgrid.regions.models import Region
from civicgrid.resources.models import Resource

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    with scopes_disabled():
        return {
            "users": User.objects.count(),
            "grids": Region.all_objects.filter(level=Level.GRID).count(),
            "households": Household.all_objects.count(),
            "residents": Resident.all_objects.count(),
            "tags": ResidentTag.all_objects.count(),
            "resources": Resource.all_objects.count(),
            "applications": Application.all_objects.count(),
            "alerts": Alert.all_objects.count(),
            "disputes": Dispute.all_objects.count(),
        }


def test_the_community_demo_builds_a_world_and_a_rerun_changes_nothing():
    out = StringIO()
    call_command("demo", scale="community", stdout=out)
    first = _counts()
    with scopes_disabled():
        community = area_of_scale("community")
        people = Resident.all_objects.filter(region__code__startswith=community).count()
        outside = Resident.all_objects.exclude(region__code__startswith=community).count()
    assert community == "320113001001"
    assert first["users"] == 13
    assert first["grids"] > 100  # the users' whole district has grids
    assert people == first["residents"] > 1_000
    assert outside == 0
    assert "demo_county" in out.getvalue()
    assert first["resources"] >= 24  # shelters, depots, fire points … across the district
    assert first["applications"] >= 30  # assistance at every stage, with alerts from monitoring
    assert first["alerts"] >= 1
    with scopes_disabled():
        assert Application.all_objects.filter(payment="active").count() >= 5
    assert first["disputes"] >= 30  # taken in at the window, and referred from incidents
    with scopes_disabled():
        assert Dispute.all_objects.filter(flow__state="closed").exists()
        assert Dispute.all_objects.filter(source="incident").exists()
        # The numbers are ready for the first visitor: nothing waits to be folded.
        assert not RollupChange.objects.exists()
        assert Rollup.objects.filter(cube="a", grain=6).exists()

    call_command("demo", scale="community", stdout=StringIO())
    assert _counts() == first


def test_each_scale_names_its_area(db):
    assert [area_of_scale(s) for s in ("district", "city", "province")] == ["320113", "3201", "32"]
