"""A task left running by a worker that died goes back to the queue once its lease runs out,
and running it again tells nobody twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from civicgrid.core import workers
from civicgrid.core.models import AuditEntry, WorkerBeat
from civicgrid.events import categories
from civicgrid.events.services import intake
from civicgrid.events.tasks import run_deadlines_task
from civicgrid.notifications.models import Notification
from tests.events.conftest import IN_A1, LITTER, jpeg

DEADLINES = "civicgrid.events.tasks.run_deadlines_task"
SENDER = "tests.core.test_worker_lease.CountingSms"


class CountingSms:
    """An SMS sender that counts what it would send, per notification."""

    sent: list[int] = []

    def send(self, notification: Notification) -> None:
        CountingSms.sent.append(notification.pk)


def _running(*, by: list[str], started: timedelta) -> DBTaskResult:
    """The deadline job's row as db_worker leaves it while running it (claimed by `by[-1]`)."""
    result = run_deadlines_task.enqueue()
    row = DBTaskResult.objects.get(pk=result.id)
    DBTaskResult.objects.filter(pk=row.pk).update(
        status=TaskResultStatus.RUNNING, worker_ids=by, started_at=timezone.now() - started
    )
    row.refresh_from_db()
    return row


def _beat(worker_id: str, ago: timedelta) -> None:
    workers.beat(worker_id=worker_id)
    WorkerBeat.objects.filter(worker_id=worker_id).update(seen_at=timezone.now() - ago)


@pytest.fixture
def lease(settings) -> timedelta:
    settings.WORKER_LEASE = 60
    return timedelta(seconds=60)


@pytest.mark.django_db
def test_a_task_left_running_by_a_dead_worker_goes_back_to_the_queue(lease):
    _beat("host-a:7:dead", ago=lease * 2)
    row = _running(by=["host-a:7:dead"], started=lease * 2)

    swept = workers.requeue_abandoned(by="host-b:9:alive")

    assert swept.requeued == [str(row.pk)] and swept.failed == []
    row.refresh_from_db()
    assert (row.status, row.started_at, row.worker_ids) == (
        TaskResultStatus.READY,
        None,
        ["host-a:7:dead"],
    )
    entry = AuditEntry.objects.get(action="core.task.requeued")
    assert entry.data["task"] == str(row.pk) and entry.data["worker"] == "host-a:7:dead"
    assert entry.actor_username == "worker:host-b:9:alive"


@pytest.mark.django_db
def test_a_worker_that_never_beat_counts_as_gone_once_the_lease_is_over(lease):
    row = _running(by=["plain-db-worker"], started=lease + timedelta(seconds=1))
    assert workers.requeue_abandoned().requeued == [str(row.pk)]


@pytest.mark.django_db
def test_a_task_started_within_the_lease_is_left_running(lease):
    row = _running(by=["host-a:7:new"], started=lease - timedelta(seconds=5))
    assert workers.requeue_abandoned() == workers.SweepResult(requeued=[], failed=[])
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_long_task_of_a_worker_still_beating_is_left_running(lease):
    _beat("host-a:7:busy", ago=timedelta(seconds=5))
    row = _running(by=["host-a:7:busy"], started=lease * 30)
    assert workers.requeue_abandoned().requeued == []
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_only_the_last_worker_of_a_task_matters(lease):
    _beat("host-a:7:first", ago=timedelta(seconds=1))  # alive, but ran it before
    row = _running(by=["host-a:7:first", "host-b:3:second"], started=lease * 2)
    assert workers.requeue_abandoned().requeued == [str(row.pk)]


@pytest.mark.django_db
def test_a_task_its_workers_died_under_three_times_is_failed_not_queued_again(lease):
    row = _running(by=["a:1:x", "b:2:y", "c:3:z"], started=lease * 2)

    swept = workers.requeue_abandoned()

    assert swept.failed == [str(row.pk)] and swept.requeued == []
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "civicgrid.core.workers.WorkerLost"
    assert AuditEntry.objects.filter(action="core.task.abandoned").count() == 1


@pytest.mark.django_db
def test_two_sweeps_act_on_a_task_once(lease):
    _running(by=["host-a:7:dead"], started=lease * 2)
    assert len(workers.requeue_abandoned().requeued) == 1
    assert workers.requeue_abandoned().requeued == []
    assert AuditEntry.objects.filter(action="core.task.requeued").count() == 1


@pytest.mark.django_db
def test_beats_of_workers_gone_for_a_day_are_removed(lease):
    _beat("host-a:7:old", ago=timedelta(days=2))
    _beat("host-a:8:recent", ago=timedelta(hours=1))
    workers.requeue_abandoned()
    assert list(WorkerBeat.objects.values_list("worker_id", flat=True)) == ["host-a:8:recent"]


@pytest.mark.django_db(transaction=True)
def test_a_worker_starting_runs_again_the_job_a_killed_worker_left_and_nobody_is_told_twice(
    world, settings, lease
):
    """The worker was killed after the deadline job's batch had committed and before the task
    was marked done: the batch's stage markers make the re-run a no-op for the cases it did.
    (Killed inside a batch, PostgreSQL rolls the batch back and the re-run does it once.)"""
    categories.load_defaults()
    settings.NOTIFICATION_SENDERS = [SENDER]
    CountingSms.sent.clear()
    intake.report_incident(  # overdue by now: escalated to the town, which is told
        category=LITTER, description="路边堆放生活垃圾", by=world.grid_worker, source="grid_worker",
        lng=IN_A1[0], lat=IN_A1[1], photos=[jpeg()], now=timezone.now() - timedelta(hours=2),
    )  # fmt: skip
    call_command("worker", once=True, verbosity=0)
    told = sorted(Notification.objects.values_list("user_id", "code", "link"))
    texts = sorted(CountingSms.sent)
    assert told and texts  # the town was told of the whistle, by SMS too
    job = DBTaskResult.objects.get(task_path=DEADLINES)
    assert job.status == TaskResultStatus.SUCCESSFUL
    assert not WorkerBeat.objects.exists()  # the worker stopped cleanly and took its beat

    # What SIGKILL after the commit leaves: the row still running, its worker gone.
    DBTaskResult.objects.filter(pk=job.pk).update(
        status=TaskResultStatus.RUNNING,
        finished_at=None,
        return_value=None,
        started_at=timezone.now() - lease * 2,
    )
    call_command("worker", once=True, verbosity=0)

    job.refresh_from_db()
    assert job.status == TaskResultStatus.SUCCESSFUL
    assert len(job.worker_ids) == 2  # the killed worker, then the one that ran it again
    assert job.return_value["escalated"] == 0
    assert DBTaskResult.objects.filter(task_path=DEADLINES).count() == 1
    assert sorted(Notification.objects.values_list("user_id", "code", "link")) == told
    assert sorted(CountingSms.sent) == texts
    assert AuditEntry.objects.filter(action="core.task.requeued").count() == 1


@pytest.mark.django_db
def test_a_worker_hands_back_what_it_had_marked_running_when_its_loop_stopped(lease):
    mine = _running(by=["host-a:7:me"], started=timedelta(seconds=1))
    other = _running(by=["host-b:8:other"], started=timedelta(seconds=1))
    assert workers.release_own(worker_id="host-a:7:me").requeued == [str(mine.pk)]
    other.refresh_from_db()
    assert other.status == TaskResultStatus.RUNNING


@pytest.mark.django_db(transaction=True)  # the worker closes connections it cannot trust
def test_the_worker_takes_up_the_queue_again_after_the_database_went_away(monkeypatch):
    from django.db import OperationalError

    from civicgrid.core.management.commands import worker as command

    class NoScheduler:
        def start(self) -> None: ...
        def stop(self) -> None: ...
        def join(self, timeout: float) -> None: ...

    runs = []
    statuses = []

    def db_worker(name: str, **options: object) -> None:
        runs.append(options["worker_id"])
        if len(runs) == 1:  # it had taken the deadline job when the database went away
            _running(by=[str(options["worker_id"])], started=timedelta(seconds=1))
            raise OperationalError("the database system is shutting down")
        statuses.extend(DBTaskResult.objects.values_list("status", flat=True))

    monkeypatch.setattr(command, "call_command", db_worker)
    monkeypatch.setattr(command.periodic, "Scheduler", NoScheduler)
    monkeypatch.setattr(command, "RETRY_WAIT", 0)

    call_command("worker", verbosity=0)

    assert len(runs) == 2 and runs[0] == runs[1]  # the same worker, its beat still valid
    assert statuses == [TaskResultStatus.READY]  # the job it had taken is queued again
    assert not WorkerBeat.objects.exists()  # then it stopped cleanly
