"""`civicgrid rebuild-rollups [--area CODE] [--since DATE]`: recompute the numbers from history."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scopes_disabled

from civicgrid.command import rollups
from civicgrid.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Recompute the command centre's rollups from the incidents and their timelines: after "
        "loading history, after a change of the counting rules, or to repair them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", default="", help="an area code (2 to 12 digits); all if none")
        parser.add_argument(
            "--since", default="", help="first day to recompute (from the first of its month)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            try:
                since = date.fromisoformat(options["since"])
            except ValueError:
                raise CommandError("--since takes a date such as 2026-11-01") from None
        try:
            # A command works across areas on purpose (DESIGN.md "Scope").
            with scopes_disabled():
                result = rollups.rebuild(area=options["area"] or None, since=since)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        self.stdout.write(
            f"{result.cases} cases → {result.rows} rollup rows in {result.seconds:.1f} s"
        )
