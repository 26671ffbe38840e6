"""`civicgrid recount-disputes`: recount the dispute numbers' monthly counts from the disputes
(they are kept current by every change; this repairs them, e.g. after a bulk import)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from civicgrid.disputes import counts


class Command(BaseCommand):
    help = "Recount the dispute numbers' monthly counts from the disputes."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            rows = counts.rebuild()
        self.stdout.write(f"{rows} count rows")
