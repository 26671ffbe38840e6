"""Administrators set an area's assessment weights in the admin; they must add up to 100."""

from __future__ import annotations

from civicgrid.command.models import ScoreWeights
from civicgrid.core.models import AuditEntry

ADD = "/admin/command/scoreweights/add/"


def form(**weights):
    return {
        "region": "320113",
        "dispatch_rate": 20,
        "handle_rate": 25,
        "close_rate": 25,
        "rework_free_rate": 10,
        "satisfaction_rate": 20,
        **weights,
    }


def test_an_administrator_sets_weights_that_add_up(world, as_user):
    client = as_user(world.admin)
    assert client.get(ADD).status_code == 200
    response = client.post(ADD, form(dispatch_rate=30, satisfaction_rate=10))
    assert response.status_code == 302
    assert ScoreWeights.objects.get(region_id="320113").dispatch_rate == 30
    assert AuditEntry.objects.filter(action="command.weights.changed").exists()


def test_weights_that_do_not_add_up_to_100_are_refused(world, as_user):
    response = as_user(world.admin).post(ADD, form(dispatch_rate=50))
    assert response.status_code == 200  # the form again, with the error
    assert not ScoreWeights.objects.exists()


def test_operators_cannot_change_the_weights(world, as_user):
    assert as_user(world.county_operator).get(ADD).status_code == 302  # not staff: to login


def test_a_bad_weights_setting_fails_the_system_check(settings):
    from civicgrid.command.checks import score_weights

    settings.COMMAND_SCORE_WEIGHTS = {"dispatch_rate": 50}
    (error,) = score_weights()
    assert error.id == "civicgrid.command.E001"
    settings.COMMAND_SCORE_WEIGHTS = {
        "dispatch_rate": 20, "handle_rate": 20, "close_rate": 20, "rework_free_rate": 20,
        "satisfaction_rate": 20,
    }  # fmt: skip
    assert score_weights() == []
