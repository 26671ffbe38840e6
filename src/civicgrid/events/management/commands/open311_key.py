"""`civicgrid open311-key <name> --jurisdiction 320113`: issue an Open311 API key, shown once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicgrid.core.errors import DomainError
from civicgrid.events import open311


class Command(BaseCommand):
    help = (
        "Issue an API key to an Open311 client application for one city or county. The key is "
        "printed once on standard output; only its digest is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the client application, e.g. 'Qixia resident app'")
        parser.add_argument(
            "--jurisdiction", required=True, help="city or county code, e.g. 320113"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client, key = open311.issue_key(
                name=options["name"], jurisdiction=options["jurisdiction"]
            )
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        # The key alone on standard output, so that a script can capture it; the rest aside.
        self.stderr.write(
            f"Open311 client #{client.pk} {client.name!r} for {client.jurisdiction_id}. "
            "Store this key now: it cannot be shown again."
        )
        self.stdout.write(key)
