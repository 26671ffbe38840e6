"""`civicgrid restore ARCHIVE`: check a backup completely, then put it in place."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicgrid.core import backup
from civicgrid.core.backup_db import DatabaseToolError


class Command(BaseCommand):
    help = (
        "Restore a backup made by `civicgrid backup`: every checksum and the manifest are "
        "checked before the database or MEDIA_ROOT is touched; a damaged or foreign archive "
        "changes nothing. Stop the web and worker processes first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="the .tar written by `civicgrid backup`")
        parser.add_argument(
            "--check",
            action="store_true",
            help="only check the archive (checksums, manifest, dump readable); change nothing",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="overwrite a database that already holds CivicGrid data",
        )

    def handle(self, *args: Any, archive: str, check: bool, replace: bool, **options: Any) -> None:
        started = time.perf_counter()
        source = Path(archive)
        if not source.is_file():
            raise CommandError(f"{source}: no such file")
        scratch_parent = Path(settings.MEDIA_ROOT).resolve().parent
        scratch_parent.mkdir(parents=True, exist_ok=True)
        # Unpacked next to MEDIA_ROOT, so that the files are moved into place, not copied.
        with tempfile.TemporaryDirectory(dir=scratch_parent, prefix=".restore-") as folder:
            try:
                verified = backup.verify(source, Path(folder))
                manifest = verified.manifest
                if check:
                    from civicgrid.core.backup_db import check_restorable

                    check_restorable(manifest["database"]["vendor"], verified.database_file)
                    self.stdout.write(f"{source}: a sound backup of {manifest['created_at']}")
                    return
                backup.restore(verified, replace=replace)
            except (backup.BackupError, DatabaseToolError) as exc:
                raise CommandError(f"{source}: not restored, nothing changed: {exc}") from exc
        # Sessions, throttles and counters cached for the old data must not outlive it.
        cache.clear()
        self.stdout.write(
            f"Restored the {manifest['database']['vendor']} backup of {manifest['created_at']} "
            f"in {time.perf_counter() - started:.1f}s. Run `civicgrid migrate` if this version "
            "is newer than the one that made it, then start the web and worker processes."
        )
