"""`civicgrid generate-grids --area CODE --seed N`: generate grids and micro-grids for an area."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scopes_disabled

from civicgrid.core.errors import DomainError
from civicgrid.regions.generation import generate_grids, synthesize_boundaries


class Command(BaseCommand):
    help = "Generate grids and micro-grids for every community under an area code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--area", required=True, help="province, city, county, town or community code"
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same layout)"
        )
        parser.add_argument(
            "--synthesize",
            action="store_true",
            help="first give the official tree under the area synthetic boundaries",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        area, seed = options["area"], options["seed"]
        started = time.perf_counter()
        try:
            with scopes_disabled():
                if options["synthesize"]:
                    written = synthesize_boundaries(root_code=area, seed=seed)
                    self.stdout.write(f"synthetic boundaries: {written} official nodes")
                result = generate_grids(area_code=area, seed=seed)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"area {result.area_code}: {result.communities} communities, {result.grids} grids, "
            f"{result.microgrids} micro-grids, {result.households} households, "
            f"{result.residents} residents in {seconds:.1f} s"
        )
