"""`civicgrid serve`: the production web server (granian, WSGI; WhiteNoise serves static files)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from granian import Granian
from granian.constants import Interfaces
from granian.server import MPServer, MTServer

from civicgrid.env import env_int, env_str

APPLICATION = "civicgrid.wsgi:application"
# One process per core, each running the (synchronous) Django app on a few threads: a request
# spends part of its time waiting on the database, and another thread of the same process uses
# the core meanwhile. HTTP itself is handled in granian's Rust runtime. On 2 cores this carried
# the most reports per second at the lowest CPU cost per report, ahead of gunicorn's threaded
# and sync workers (bench/RESULTS.md, "Intake").
THREADS = 4


def default_workers() -> int:
    return os.cpu_count() or 1


def parse_bind(bind: str) -> dict[str, Any]:
    """`host:port`, `[v6]:port` or `unix:/path` → granian's address, port or socket path."""
    if bind.startswith("unix:"):
        return {"uds": Path(bind.removeprefix("unix:"))}
    host, sep, port = bind.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise CommandError(f"--bind {bind!r}: use host:port or unix:/path/to.sock")
    return {"address": host.strip("[]"), "port": int(port)}


class Command(BaseCommand):
    help = "Run the production web server (granian) with the settings of the environment."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            default=env_str("SERVE_BIND", "127.0.0.1:8000"),
            help="host:port or unix:PATH (SERVE_BIND, default 127.0.0.1:8000)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=env_int("SERVE_WORKERS", default_workers(), minimum=1),
            help="worker processes (SERVE_WORKERS, default: one per core)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=env_int("SERVE_THREADS", THREADS, minimum=1),
            help=f"threads per worker running requests (SERVE_THREADS, default {THREADS})",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=env_int("SERVE_TIMEOUT", 30, minimum=1),
            help="seconds running requests get to finish when the server stops (SERVE_TIMEOUT)",
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="do not collect static files into STATIC_ROOT before starting",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DEBUG:
            self.stderr.write(
                self.style.WARNING("DEBUG is on: never serve real data with DEBUG=1.")
            )
        where = parse_bind(options["bind"])
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        metrics_in_files()
        # Workers are forked from this process: none may inherit its database connection.
        connections.close_all()
        server(
            **where,
            workers=options["workers"],
            threads=options["threads"],
            timeout=options["timeout"],
        ).serve()


def metrics_in_files() -> Path:
    """Put Prometheus samples in files that /metrics adds up, whichever worker it reaches.

    PROMETHEUS_MULTIPROC_DIR names the folder (default: `$CIVICGRID_DATA_DIR/prometheus`); it is
    emptied at start, as prometheus_client requires. The workers are forked from this process,
    which has imported prometheus_client already: its value class is switched here, before.
    """
    from prometheus_client import values

    folder = Path(
        os.environ.get("PROMETHEUS_MULTIPROC_DIR") or Path(settings.DATA_DIR) / "prometheus"
    )
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    values.ValueClass = values.get_value_class()
    return folder


def server(*, workers: int, threads: int, timeout: int, **where: Any) -> MPServer | MTServer:
    return Granian(
        APPLICATION,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        websockets=False,  # WSGI has none; saying so spares a line in the log
        log_access=False,
        respawn_failed_workers=True,
        workers_kill_timeout=timeout,
        **where,
    )
