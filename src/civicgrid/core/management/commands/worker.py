"""`civicgrid worker`: run queued background tasks and enqueue the periodic jobs, until stopped."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections

from civicgrid.core import periodic, workers
from civicgrid.core.collector import tune_garbage_collector
from civicgrid.core.queue import queued_in_database

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Seconds to wait before taking up the queue again after the database went away.
RETRY_WAIT = 5.0

logger = logging.getLogger(__name__)


@contextmanager
def _signal_handlers_kept() -> Iterator[None]:
    """db_worker installs its own handlers for good; a one-off run puts the old ones back."""
    before = {sig: signal.getsignal(sig) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


class Command(BaseCommand):
    help = (
        "Run background tasks and enqueue the periodic jobs (the deadline job …) until stopped "
        "(SIGTERM or Ctrl+C finish the running task first). Several workers may run at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="enqueue the periodic jobs that are due, run every queued task, then exit",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds to wait before looking at an empty queue again (default 1)",
        )

    def handle(
        self, *args: Any, once: bool, interval: float, verbosity: int, **options: Any
    ) -> None:
        tune_garbage_collector()
        if not queued_in_database():
            # Tasks run where they are enqueued (immediate) or never (dummy): only schedule.
            self._schedule_only(once=once, verbosity=verbosity)
            return
        worker_id = workers.new_worker_id()
        # Before taking any task: beat, and queue again what dead workers left running.
        workers.beat(worker_id=worker_id)
        swept = workers.requeue_abandoned(by=worker_id)
        if verbosity and (swept.requeued or swept.failed):
            self.stdout.write(
                f"tasks left running by stopped workers: {len(swept.requeued)} queued again, "
                f"{len(swept.failed)} failed"
            )
        heartbeat = workers.Heartbeat(worker_id)
        heartbeat.start()
        scheduler = None
        try:
            if once:
                names = periodic.enqueue_due()
                if verbosity:
                    self.stdout.write(f"periodic jobs enqueued: {', '.join(names) or 'none due'}")
                with _signal_handlers_kept():
                    call_command(
                        "db_worker", batch=True, reload=False, startup_delay=False,
                        worker_id=worker_id, verbosity=verbosity,
                    )  # fmt: skip
            else:
                scheduler = periodic.Scheduler()
                scheduler.start()
                self._run_tasks(worker_id=worker_id, interval=interval, verbosity=verbosity)
        finally:
            if scheduler is not None:
                scheduler.stop()
                scheduler.join(timeout=60)
            heartbeat.stop()
            heartbeat.join(timeout=10)
            with suppress(DatabaseError):  # the database is away: the beat just runs out
                workers.stopped(worker_id=worker_id)

    def _run_tasks(self, *, worker_id: str, interval: float, verbosity: int) -> None:
        """db_worker until it stops (on SIGTERM/SIGINT, after the task it is running).

        db_worker ends on any database error outside a task (a PostgreSQL restart, a failover):
        the worker waits, hands back what it had marked running, and takes up the queue again,
        instead of leaving the periodic jobs with nobody to run them.
        """
        while True:
            try:
                call_command(
                    "db_worker", interval=interval, reload=False, worker_id=worker_id,
                    verbosity=verbosity,
                )  # fmt: skip
                return
            except (OperationalError, InterfaceError) as exc:
                logger.warning("worker %s: database unavailable (%s); again in %s s",
                               worker_id, str(exc).strip(), RETRY_WAIT)  # fmt: skip
            # db_worker's signal handlers are still in place: SIGTERM here ends the wait.
            time.sleep(RETRY_WAIT)
            with suppress(DatabaseError):  # still away: db_worker says so, and round again
                close_old_connections()
                workers.release_own(worker_id=worker_id)

    def _schedule_only(self, *, once: bool, verbosity: int) -> None:
        if once:
            names = periodic.enqueue_due()
            if verbosity:
                self.stdout.write(f"periodic jobs enqueued: {', '.join(names) or 'none due'}")
            return
        scheduler = periodic.Scheduler()
        scheduler.start()
        try:
            self._wait_for_stop_signal()
        finally:
            scheduler.stop()
            scheduler.join(timeout=60)

    def _wait_for_stop_signal(self) -> None:
        stop = threading.Event()
        for sig in _STOP_SIGNALS:
            signal.signal(sig, lambda signum, frame: stop.set())
        while not stop.wait(1.0):
            pass
