"""Periodic jobs: claim a due run once across all workers, then enqueue its task."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from civicgrid.core.models import PeriodicRun
from civicgrid.core.queue import queued_in_database

logger = logging.getLogger(__name__)

WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"[:100]


@dataclass(frozen=True)
class Job:
    name: str
    task_path: str
    every: timedelta


def jobs(table: Mapping[str, tuple[str, int]] | None = None) -> list[Job]:
    """The periodic jobs of settings.PERIODIC_TASKS (name → (task path, seconds))."""
    table = settings.PERIODIC_TASKS if table is None else table
    return [
        Job(name=name, task_path=path, every=timedelta(seconds=seconds))
        for name, (path, seconds) in table.items()
    ]


def claim(job: Job, *, now: datetime | None = None, by: str = WORKER_NAME) -> bool:
    """Take the run of `job` that is due at `now`, if nobody else took it: True once per period.

    The first claim of a job creates its row as due; from then on a claim is one UPDATE that
    matches only while the run is due, and moves the next run one interval on. A run planned
    with a longer interval than this worker's is due at once (the interval was shortened);
    a shorter one is left alone, so workers of two configurations never take turns.
    """
    now = now or timezone.now()
    every = int(job.every.total_seconds())
    if not PeriodicRun.objects.filter(name=job.name).exists():
        PeriodicRun.objects.bulk_create(
            [PeriodicRun(name=job.name, next_run_at=now, every_seconds=every)],
            ignore_conflicts=True,
        )
    due = Q(next_run_at__lte=now) | Q(every_seconds__gt=every)
    claimed = PeriodicRun.objects.filter(due, name=job.name).update(
        next_run_at=now + job.every, every_seconds=every, last_run_at=now, last_claimed_by=by
    )
    return claimed == 1


def enqueue_due(
    *, now: datetime | None = None, table: Mapping[str, tuple[str, int]] | None = None
) -> list[str]:
    """Enqueue every job whose run is due and that this call claimed; returns their names.

    The claim and the queued task commit together (the database backend keeps tasks in the
    same database), so a crash between the two loses neither half alone.
    """
    now = now or timezone.now()
    enqueued = []
    for job in jobs(table):
        with transaction.atomic():
            if not claim(job, now=now) or _still_queued(job):
                continue
            import_string(job.task_path).enqueue()
        enqueued.append(job.name)
        logger.info("periodic job %s enqueued", job.name)
    return enqueued


def _still_queued(job: Job) -> bool:
    """A run still waiting to start is enough: workers that fall behind must not pile up
    copies of the same job (database backend; other backends run or drop tasks at once).
    A running one does not count: it may be the run of a worker killed mid-task, which is
    queued again only once the worker's lease has run out (core.workers)."""
    if not queued_in_database():
        return False
    waiting = DBTaskResult.objects.filter(task_path=job.task_path, status=TaskResultStatus.READY)
    return waiting.exists()


def seconds_until_next(*, now: datetime | None = None) -> float:
    """How long a scheduler may sleep before some job falls due (never longer than a minute)."""
    now = now or timezone.now()
    planned = jobs()
    nexts = list(
        PeriodicRun.objects.filter(name__in=[job.name for job in planned]).values_list(
            "next_run_at", flat=True
        )
    )
    if len(nexts) < len(planned):
        return 0.0
    wait = min([60.0, *(job.every.total_seconds() for job in planned)])
    if nexts:
        wait = min(wait, (min(nexts) - now).total_seconds())
    return max(0.0, wait)


class Scheduler(threading.Thread):
    """A thread that enqueues the periodic jobs when they fall due, until stopped."""

    def __init__(self) -> None:
        super().__init__(name="civicgrid-scheduler", daemon=True)
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                wait = 1.0
                try:
                    close_old_connections()
                    enqueue_due()
                    wait = max(0.5, seconds_until_next())
                except Exception:
                    # A database that is briefly away must not end the schedule.
                    logger.exception("periodic jobs could not be enqueued; trying again")
                    wait = 5.0
                self.stopping.wait(wait)
        finally:
            connection.close()
