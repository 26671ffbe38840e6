"""Worker liveness: each `civicgrid worker` shows it is alive; what a dead one was running is queued again.

django-tasks-db claims a task by setting its row "running" with the worker's id and commits
before running it; a worker killed then (SIGKILL, out of memory, a machine gone) leaves the row
"running" for ever, and the library has no lease or heartbeat to notice. So every worker writes
a beat (`WorkerBeat`) every quarter of WORKER_LEASE, and every worker, when it starts and then
at each beat, sweeps: a row running for longer than the lease whose worker has not beaten for
as long goes back to "ready" (the tasks are written to be run again: see docs/operations.md),
or, once its workers have died under it MAX_ATTEMPTS times, is failed with `WorkerLost`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models.functions import Now
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from civicgrid.core.actor import acting_as
from civicgrid.core.audit import log_action
from civicgrid.core.models import WorkerBeat

logger = logging.getLogger(__name__)

# Registered in core.audit, so that every process names them.
REQUEUED = "core.task.requeued"
ABANDONED = "core.task.abandoned"
# A task whose worker died this many times while running it (it may be what kills them: a
# batch that runs out of memory) is failed instead of being queued again.
MAX_ATTEMPTS = 3


class WorkerLost(Exception):
    """The worker running a task stopped without finishing it (recorded on failed rows)."""


@dataclass(frozen=True)
class SweepResult:
    requeued: list[str]
    failed: list[str]


def new_worker_id() -> str:
    """Unique across the pool (host, process and a random part; db_worker allows 64 characters)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{get_random_string(8)}"[:64]


def lease() -> timedelta:
    return timedelta(seconds=settings.WORKER_LEASE)


def beat(*, worker_id: str) -> None:
    """Record that `worker_id` is alive now (by the database's clock, the same for every host)."""
    if WorkerBeat.objects.filter(worker_id=worker_id).update(seen_at=Now()):
        return
    try:
        with transaction.atomic():
            WorkerBeat.objects.create(
                worker_id=worker_id,
                host=socket.gethostname()[:100],
                pid=os.getpid(),
                started_at=Now(),
                seen_at=Now(),
            )
    except IntegrityError:  # two threads of one worker at once: the other one wrote it
        WorkerBeat.objects.filter(worker_id=worker_id).update(seen_at=Now())


def stopped(*, worker_id: str) -> None:
    """A worker stopping cleanly takes its beat away (it finished its task first)."""
    WorkerBeat.objects.filter(worker_id=worker_id).delete()


def requeue_abandoned(*, by: str = "") -> SweepResult:
    """Queue again the tasks left running by workers that died; returns the tasks' ids.

    A row qualifies when it started more than WORKER_LEASE ago and its last worker has not
    beaten for as long (or never did: a plain `db_worker`). Each row is changed by one
    compare-and-set on its status and start time, so several workers sweeping at once act on
    it once; each change is audited.
    """
    cutoff = Now() - lease()
    alive = WorkerBeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True)
    alive_ids = set(alive)
    stale = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).order_by()
    result = SweepResult(requeued=[], failed=[])
    with acting_as(label=f"worker:{by}"[:150] if by else "worker"):
        for row in stale:
            last = row.worker_ids[-1] if row.worker_ids else ""
            if last in alive_ids:
                continue
            _release(row, last, result)
        # Beats of workers gone for a day are of no more use to anyone.
        WorkerBeat.objects.filter(seen_at__lt=Now() - max(lease() * 10, timedelta(days=1))).delete()
    return result


def release_own(*, worker_id: str) -> SweepResult:
    """Queue again the tasks still marked running by `worker_id`, which runs none right now.

    For a worker whose task loop stopped on a database error: a task that failed when the
    database went away could not be marked failed either, and its worker, still beating, would
    keep it "running" for as long as it lives.
    """
    result = SweepResult(requeued=[], failed=[])
    with acting_as(label=f"worker:{worker_id}"[:150]):
        for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).order_by():
            if row.worker_ids and row.worker_ids[-1] == worker_id:
                _release(row, worker_id, result)
    return result


def _release(row: DBTaskResult, worker: str, result: SweepResult) -> None:
    attempts = len(row.worker_ids)
    same = DBTaskResult.objects.filter(
        pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
    )
    data = {
        "task": str(row.pk),
        "task_path": row.task_path,
        "worker": worker,
        "started_at": row.started_at.isoformat() if row.started_at else "",
        "attempts": attempts,
    }
    with transaction.atomic():
        if attempts >= MAX_ATTEMPTS:
            changed = same.update(
                status=TaskResultStatus.FAILED,
                finished_at=Now(),
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=f"WorkerLost: the worker running this task died {attempts} times "
                f"(last {worker})\n",
                return_value=None,
            )
            action, into = ABANDONED, result.failed
        else:
            changed = same.update(status=TaskResultStatus.READY, started_at=None)
            action, into = REQUEUED, result.requeued
        if not changed:  # another sweeper, or the worker itself after all, got there first
            return
        log_action(None, action, data=data)
    into.append(str(row.pk))
    logger.warning(
        "task %s (%s) was left running by worker %s, which stopped: %s",
        row.pk,
        row.task_path,
        worker or "unknown",
        f"failed after {attempts} attempts" if action == ABANDONED else "queued again",
    )


class Heartbeat(threading.Thread):
    """A thread of the worker that beats and sweeps every quarter of the lease, until stopped."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="civicgrid-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        every = max(1.0, settings.WORKER_LEASE / 4)
        try:
            while not self.stopping.wait(every):
                try:
                    close_old_connections()
                    beat(worker_id=self.worker_id)
                    requeue_abandoned(by=self.worker_id)
                except Exception as exc:
                    # A database that is briefly away must not end the beats: the next one
                    # comes well within the lease.
                    logger.warning("worker %s could not record its beat (%s); trying again",
                                   self.worker_id, str(exc).strip())  # fmt: skip
        finally:
            connection.close()
