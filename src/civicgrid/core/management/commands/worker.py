"""`civicgrid worker`: run queued background tasks and enqueue the periodic jobs, until stopped."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend

from civicgrid.core import periodic

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


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
        queued_in_database = isinstance(task_backends["default"], DatabaseBackend)
        if once:
            names = periodic.enqueue_due()
            if verbosity:
                self.stdout.write(f"periodic jobs enqueued: {', '.join(names) or 'none due'}")
            if queued_in_database:
                with _signal_handlers_kept():
                    call_command(
                        "db_worker", batch=True, reload=False, startup_delay=False,
                        verbosity=verbosity,
                    )  # fmt: skip
            return
        scheduler = periodic.Scheduler()
        scheduler.start()
        try:
            if queued_in_database:
                # db_worker stops on SIGTERM/SIGINT after the task it is running.
                call_command("db_worker", interval=interval, reload=False, verbosity=verbosity)
            else:
                # Tasks run where they are enqueued (immediate) or never (dummy): only schedule.
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
