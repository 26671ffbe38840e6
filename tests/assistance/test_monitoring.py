"""Dynamic monitoring: a paid household with a new car or job gets an alert with a deadline;
a newly disabled resident of an unassisted household too; a failing source judges nobody."""

from __future__ import annotations

from datetime import datetime

import pytest

from civicgrid.assistance.adapters import Finding
from civicgrid.assistance.models import Alert
from civicgrid.assistance.services import monitoring
from civicgrid.people import services as people_services
from civicgrid.workflow.deadlines import SHANGHAI
from tests.conftest import client_for

LATER = datetime(2024, 11, 4, 9, 0, tzinfo=SHANGHAI)  # a Monday


def test_a_new_car_raises_an_alert_for_the_community(world, civil, approved, sources):
    a = approved()
    sources["vehicles"].findings = [Finding(world.spouse.id_number, "asset:vehicle", 9_000_000)]
    result = monitoring.run_monitoring(region_code="320113", by=civil["county"], now=LATER)
    assert result.checked == 1 and result.no_longer == 1
    alert = Alert.all_objects.get()
    assert alert.signal == "new_vehicle" and alert.application == a
    assert alert.region_id == world.micro_a1.code  # the community's task
    # The community's staff are told.
    assert world.staff.notifications.filter(code="assistance.alerts").count() == 1
    # Ten working days: two weeks later, Monday 09:00.
    assert alert.due_at == datetime(2024, 11, 18, 9, 0, tzinfo=SHANGHAI)
    # Running again does not raise the same alert twice.
    monitoring.run_monitoring(region_code="320113", by=civil["county"], now=LATER)
    assert Alert.all_objects.count() == 1
    monitoring.close_alert(alert=alert, outcome="入户核实：车辆已转让", by=world.staff)
    assert Alert.all_objects.get().closed_at is not None


def test_a_new_job_raises_an_alert(world, civil, approved, sources):
    approved()
    sources["hrss"].findings = [Finding(world.resident.id_number, "income:wages", 9_000_000)]
    monitoring.run_monitoring(region_code="320113", by=civil["county"], now=LATER)
    assert list(Alert.all_objects.values_list("signal", flat=True)) == ["new_job"]


def test_nothing_changed_means_no_alert(world, civil, approved):
    approved()
    result = monitoring.run_monitoring(region_code="320113", by=civil["county"], now=LATER)
    assert result == monitoring.MonitoringResult(checked=1, incomplete=0, no_longer=0, hardship=0)


def test_a_failing_source_judges_nobody(world, civil, approved, sources):
    approved()
    sources["vehicles"].findings = [Finding(world.spouse.id_number, "asset:vehicle", 9_000_000)]
    sources["banks"].fail = "garbage"
    result = monitoring.run_monitoring(region_code="320113", by=civil["county"], now=LATER)
    assert result.incomplete == 1 and not Alert.all_objects.exists()


def test_a_newly_disabled_resident_of_an_unassisted_household_raises_hardship(
    world, civil, sources
):
    # The first run sets the baseline: the register as it was is not news.
    first = monitoring.run_monitoring(region_code="320113", by=civil["county"], now=LATER)
    assert first.hardship == 0
    people_services.set_tags(
        resident=world.spouse,
        tags=[people_services.TagValue("disabled", kind="physical", grade=2)],
        by=None,
    )
    result = monitoring.run_monitoring(region_code="320113", by=civil["county"], now=LATER)
    assert result.hardship == 1
    alert = Alert.all_objects.get()
    assert alert.kind == Alert.Kind.NEW_HARDSHIP and alert.signal == "disability"
    again = monitoring.run_monitoring(region_code="320113", by=civil["county"], now=LATER)
    assert again.hardship == 0  # nothing new since


@pytest.mark.parametrize(
    ("tag", "signal", "label"),
    [
        ("seriously_ill", "serious_illness", "a member seriously ill"),
        ("deceased", "death_in_household", "a death in the household"),
        ("unemployed", "job_loss", "a member lost their job"),
    ],
)
def test_a_serious_illness_a_death_or_a_lost_job_in_the_register_raises_hardship(
    world, civil, sources, as_user, tag, signal, label
):
    monitoring.run_monitoring(region_code="320113", by=civil["county"], now=LATER)
    people_services.set_tags(resident=world.resident, tags=[people_services.TagValue(tag)], by=None)
    result = monitoring.run_monitoring(region_code="320113", by=civil["county"], now=LATER)
    assert result.hardship == 1
    alert = Alert.all_objects.get()
    assert (alert.kind, alert.signal) == (Alert.Kind.NEW_HARDSHIP, signal)
    listed = as_user(world.staff).get("/api/v1/assistance/alerts", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [a["signal_label"] for a in listed] == [label]


def test_the_periodic_task_monitors_every_county_with_assistance(world, civil, approved, sources):
    from civicgrid.assistance.tasks import run_monitoring_task

    approved()
    sources["vehicles"].findings = [Finding(world.spouse.id_number, "asset:vehicle", 9_000_000)]
    result = run_monitoring_task.call()
    assert result["320113"]["no_longer"] == 1


def test_the_list_counts_one_alert_in_the_singular(world, civil, approved, sources):
    approved()
    sources["vehicles"].findings = [Finding(world.spouse.id_number, "asset:vehicle", 9_000_000)]
    monitoring.run_monitoring(region_code="320113", by=civil["county"], now=LATER)
    page = client_for(civil["county"]).get("/assistance/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "1 alert open (" in html
    assert "1 alerts" not in html
