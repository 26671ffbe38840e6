"""`civicgrid import-boundaries FILE`: surveyed boundaries from a GeoJSON FeatureCollection."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicgrid.core.errors import DomainError
from civicgrid.regions.boundaries import import_boundaries


class Command(BaseCommand):
    help = "Import region boundaries (properties: code, name) from a GeoJSON FeatureCollection."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to a .geojson file in WGS-84")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        try:
            with open(file, encoding="utf-8") as handle:
                collection = json.load(handle)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        try:
            result = import_boundaries(collection=collection)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(self.style.SUCCESS(f"Boundaries imported: {result}."))
