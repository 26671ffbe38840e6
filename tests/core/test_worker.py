"""`civicgrid worker`: the periodic schedule claimed once across workers, and `--once`."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from civicgrid.core import periodic
from civicgrid.core.collector import GC_THRESHOLDS
from civicgrid.core.models import PeriodicRun

DEADLINES = "civicgrid.events.tasks.run_deadlines_task"
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
JOB = periodic.Job("events.deadlines", DEADLINES, timedelta(seconds=60))


@pytest.mark.django_db(transaction=True)
def test_worker_once_enqueues_the_deadline_job_and_runs_it(world):
    call_command("worker", once=True, verbosity=0)

    run = DBTaskResult.objects.get(task_path=DEADLINES)
    assert run.status == TaskResultStatus.SUCCESSFUL
    assert set(run.return_value) >= {"marked_overdue", "warned", "escalated"}
    assert PeriodicRun.objects.get(name="events.deadlines").last_run_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_worker_freezes_what_it_loaded_and_collects_less_often(world):
    call_command("worker", once=True, verbosity=0)
    assert gc.get_freeze_count() > 0  # the application, loaded once, is not rescanned
    assert gc.get_threshold() == GC_THRESHOLDS


@pytest.mark.django_db(transaction=True)
def test_worker_once_again_within_the_interval_enqueues_nothing_more(world):
    call_command("worker", once=True, verbosity=0)
    call_command("worker", once=True, verbosity=0)
    assert DBTaskResult.objects.filter(task_path=DEADLINES).count() == 1


@pytest.mark.django_db
def test_two_schedulers_claiming_the_same_period_enqueue_once():
    assert periodic.claim(JOB, now=NOW, by="host-a:1") is True
    assert periodic.claim(JOB, now=NOW, by="host-b:2") is False
    assert periodic.claim(JOB, now=NOW + timedelta(seconds=59), by="host-b:2") is False
    assert periodic.claim(JOB, now=NOW + timedelta(seconds=60), by="host-b:2") is True
    assert PeriodicRun.objects.get().last_claimed_by == "host-b:2"


@pytest.mark.django_db
def test_two_schedulers_enqueue_the_job_once_per_period():
    table = {JOB.name: (JOB.task_path, 60)}
    first = periodic.enqueue_due(now=NOW, table=table)
    second = periodic.enqueue_due(now=NOW + timedelta(seconds=1), table=table)
    assert (first, second) == (["events.deadlines"], [])
    assert DBTaskResult.objects.filter(task_path=DEADLINES).count() == 1


@pytest.mark.django_db
def test_a_job_still_waiting_in_the_queue_is_not_queued_again():
    table = {JOB.name: (JOB.task_path, 60)}
    periodic.enqueue_due(now=NOW, table=table)
    # Nobody ran it: a minute later the period is claimed but no second copy is queued.
    assert periodic.enqueue_due(now=NOW + timedelta(seconds=60), table=table) == []
    assert DBTaskResult.objects.filter(task_path=DEADLINES).count() == 1


@pytest.mark.django_db
def test_a_shortened_interval_takes_over_at_once_and_a_longer_one_does_not_take_turns():
    hourly = periodic.Job(JOB.name, DEADLINES, timedelta(hours=1))
    assert periodic.claim(hourly, now=NOW) is True
    assert periodic.claim(JOB, now=NOW + timedelta(seconds=5)) is True
    # The hourly worker leaves the minute schedule alone, and the minute one is not yet due.
    assert periodic.claim(hourly, now=NOW + timedelta(seconds=10)) is False
    assert periodic.claim(JOB, now=NOW + timedelta(seconds=10)) is False


@pytest.mark.django_db
def test_the_scheduler_sleeps_until_the_next_run_at_most_the_interval(settings):
    table = {JOB.name: (JOB.task_path, 60)}
    settings.PERIODIC_TASKS = table  # the other jobs have longer intervals of their own
    assert periodic.seconds_until_next(now=NOW) == 0.0  # never run: due now
    periodic.enqueue_due(now=NOW, table=table)
    assert periodic.seconds_until_next(now=NOW + timedelta(seconds=20)) == 40.0


@pytest.mark.django_db
def test_with_the_immediate_backend_the_job_runs_where_it_is_enqueued(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert {"events.deadlines", "assistance.monitoring"} <= set(periodic.enqueue_due(now=NOW))
    assert not DBTaskResult.objects.exists()
