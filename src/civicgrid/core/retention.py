"""Audit retention: records older than AUDIT_RETENTION_DAYS go to a compressed archive file with
a SHA-256 checksum, and leave the table only once the file has been read back and verified."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from civicgrid.core.audit import log_action
from civicgrid.core.models import AuditEntry

logger = logging.getLogger(__name__)
ARCHIVED = "core.audit.archived"
FIELDS = [
    "id",
    "at",
    "actor_id",
    "actor_username",
    "source_ip",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "region_code",
    "outcome",
    "data",
]


class ArchiveError(RuntimeError):
    """The archive file does not hold exactly the records it was written from."""


@dataclass(frozen=True)
class Archive:
    path: Path
    sha256: str
    records: int


def _line(values: dict[str, object]) -> bytes:
    return (json.dumps(values, ensure_ascii=False, default=str, sort_keys=True) + "\n").encode()


def write_archive(ids_before: datetime, folder: Path) -> Archive | None:
    """Write every record older than `ids_before` to a new gzip file of JSON lines, and its
    checksum beside it (`<name>.sha256`, the format `sha256sum -c` reads)."""
    old = AuditEntry.objects.filter(at__lt=ids_before).order_by("id")
    if not old.exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    path = folder / f"audit-{stamp}-before-{ids_before:%Y%m%d}.jsonl.gz"
    digest = hashlib.sha256()
    count = 0
    with gzip.open(path, "wb", compresslevel=6) as out:
        for values in old.values(*FIELDS).iterator(chunk_size=2000):
            line = _line(values)
            digest.update(line)
            out.write(line)
            count += 1
    path.with_name(path.name + ".sha256").write_text(f"{digest.hexdigest()}  {path.name}\n")
    path.chmod(0o400)
    return Archive(path=path, sha256=digest.hexdigest(), records=count)


def verify_archive(archive: Archive) -> list[int]:
    """Read the file back: its checksum must match and it must hold `records` records; returns
    their ids."""
    digest = hashlib.sha256()
    ids = []
    with gzip.open(archive.path, "rb") as lines:
        for line in lines:
            digest.update(line)
            ids.append(int(json.loads(line)["id"]))
    if digest.hexdigest() != archive.sha256 or len(ids) != archive.records:
        raise ArchiveError(f"{archive.path} does not match what was written")
    return ids


def _remove(ids: list[int]) -> int:
    """The one path that removes audit records: archived ones, by id, past the model's guard
    (and, on PostgreSQL, past the trigger, which lets this transaction through)."""
    removed = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL civicgrid.audit_archiving = 'on'")
        # The plain base manager, not the append-only one: one DELETE per thousand ids.
        plain = AuditEntry._base_manager
        for start in range(0, len(ids), 1000):
            removed += plain.filter(pk__in=ids[start : start + 1000]).delete()[0]
    return removed


def archive_old_entries(
    *, now: datetime | None = None, folder: Path | None = None
) -> dict[str, object]:
    """Archive and remove the records older than the retention period; log what was done."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    archive = write_archive(cutoff, Path(folder or settings.AUDIT_ARCHIVE_DIR))
    if archive is None:
        return {"archived": 0}
    ids = verify_archive(archive)
    removed = _remove(ids)
    summary = {"archived": removed, "file": archive.path.name, "sha256": archive.sha256}
    log_action(None, ARCHIVED, data={**summary, "before": cutoff.isoformat()})
    logger.info("audit records archived: %s", summary)
    return summary
