"""`civicgrid backup`: the database and the uploaded files in one checked archive."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicgrid.core import backup
from civicgrid.core.backup_db import DatabaseToolError


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup, or pg_dump) and MEDIA_ROOT into one "
        "archive with a manifest of checksums. Safe while the application runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            "-o",
            help="archive to write (default: $CIVICGRID_DATA_DIR/backups/civicgrid-<vendor>-"
            "<UTC time>.tar)",
        )

    def handle(self, *args: Any, output: str | None, **options: Any) -> None:
        started = time.perf_counter()
        if output:
            target = Path(output)
        else:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            target = (
                Path(settings.DATA_DIR) / "backups" / f"civicgrid-{backup.vendor()}-{stamp}.tar"
            )
        try:
            manifest = backup.create(target)
        except (backup.BackupError, DatabaseToolError) as exc:
            raise CommandError(str(exc)) from exc
        members = manifest["members"]
        files = sum(1 for name in members if name.startswith(backup.MEDIA + "/"))
        self.stdout.write(
            f"{target}: {manifest['database']['vendor']} database and {files} uploaded files, "
            f"{target.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f}s"
        )
