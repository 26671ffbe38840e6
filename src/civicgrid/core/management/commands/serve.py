"""`civicgrid serve`: the production web server (gunicorn, sync workers; WhiteNoise for static)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections
from gunicorn.app.base import BaseApplication

from civicgrid.env import env_int, env_str


def default_workers() -> int:
    """Two workers per core and one more: a sync worker waits on the database for part of
    every request, and a second one per core keeps the core busy meanwhile (bench/intake.py)."""
    return 2 * (os.cpu_count() or 1) + 1


class Command(BaseCommand):
    help = "Run the production web server (gunicorn) with the settings of the environment."

    requires_system_checks = []  # the workers run them; the checks need not run twice

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
            help="worker processes (SERVE_WORKERS, default 2 × cores + 1)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=env_int("SERVE_THREADS", 1, minimum=1),
            help="threads per worker; above 1 gunicorn uses gthread workers (SERVE_THREADS, "
            "default 1)",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=env_int("SERVE_TIMEOUT", 30, minimum=1),
            help="seconds a request may take before its worker is restarted (SERVE_TIMEOUT)",
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
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        # Workers are forked from this process: none may inherit its database connection.
        connections.close_all()
        _Gunicorn(
            {
                "bind": options["bind"],
                "workers": options["workers"],
                "threads": options["threads"],
                "worker_class": "gthread" if options["threads"] > 1 else "sync",
                "timeout": options["timeout"],
                "graceful_timeout": options["timeout"],
                "keepalive": 5,
                # Load the application once in the arbiter and fork: workers share its memory.
                "preload_app": True,
                "accesslog": None,
                "errorlog": "-",
                "proc_name": "civicgrid",
                # No runtime control socket in $HOME: systemd (or whoever started it) manages it.
                "control_socket_disable": True,
            }
        ).run()


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn configured from a dict rather than its own command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()
        connections.close_all()
        return application
