"""Audit retention: old records go to a verified, compressed archive, then leave the table."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from civicgrid.core import retention
from civicgrid.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def age(entries, days: int) -> None:
    """Move records back in time, as only a test may (past the append-only guard)."""
    ids = list(entries.values_list("id", flat=True))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the suite's superuser may skip the trigger
            cursor.execute("SET LOCAL session_replication_role = 'replica'")
        when = timezone.now() - timedelta(days=days)
        cursor.execute(
            f"UPDATE core_auditentry SET at = %s WHERE id IN ({', '.join(['%s'] * len(ids))})",
            [when, *ids],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = 'origin'")


def test_records_past_retention_are_archived_verified_and_removed(world, settings, tmp_path):
    old = AuditEntry.objects.filter(action="accounts.user.created")
    old_ids = set(old.values_list("id", flat=True))
    kept = AuditEntry.objects.exclude(id__in=old_ids).count()
    age(old, settings.AUDIT_RETENTION_DAYS + 1)

    summary = retention.archive_old_entries(folder=tmp_path)

    assert summary["archived"] == len(old_ids)
    archive = tmp_path / summary["file"]
    with gzip.open(archive) as lines:
        body = lines.read()
    assert hashlib.sha256(body).hexdigest() == summary["sha256"]
    assert (tmp_path / f"{summary['file']}.sha256").read_text().split()[0] == summary["sha256"]
    archived = [json.loads(line) for line in body.splitlines()]
    assert {r["id"] for r in archived} == old_ids
    assert {r["action"] for r in archived} == {"accounts.user.created"}
    assert not AuditEntry.objects.filter(id__in=old_ids).exists()
    assert AuditEntry.objects.exclude(action="core.audit.archived").count() == kept
    logged = AuditEntry.objects.get(action="core.audit.archived")
    assert logged.data["archived"] == len(old_ids) and logged.data["sha256"] == summary["sha256"]


def test_records_inside_retention_stay(world, settings, tmp_path):
    age(AuditEntry.objects.all(), settings.AUDIT_RETENTION_DAYS - 1)
    before = AuditEntry.objects.count()
    assert retention.archive_old_entries(folder=tmp_path) == {"archived": 0}
    assert AuditEntry.objects.count() == before and not list(tmp_path.iterdir())


def test_nothing_is_removed_when_the_archive_does_not_verify(
    world, settings, tmp_path, monkeypatch
):
    age(AuditEntry.objects.all(), settings.AUDIT_RETENTION_DAYS + 1)
    before = AuditEntry.objects.count()
    real = retention.write_archive

    def corrupted(*args, **kwargs):
        archive = real(*args, **kwargs)
        return retention.Archive(archive.path, "0" * 64, archive.records)

    monkeypatch.setattr(retention, "write_archive", corrupted)
    with pytest.raises(retention.ArchiveError):
        retention.archive_old_entries(folder=tmp_path)
    assert AuditEntry.objects.count() == before


def test_the_retention_job_is_a_periodic_task(settings):
    from civicgrid.core.tasks import archive_audit_task

    path, every = settings.PERIODIC_TASKS["core.audit_archive"]
    assert path == "civicgrid.core.tasks.archive_audit_task" and every == 86_400
    assert archive_audit_task.name == "archive_audit_task"


def test_the_retention_cannot_be_set_below_six_months(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from civicgrid.env import env_int

    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "30")
    with pytest.raises(ImproperlyConfigured):
        env_int("AUDIT_RETENTION_DAYS", 180, minimum=180)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_itself_refuses_to_change_or_delete_audit_records(world):
    from django.db import DatabaseError, transaction

    entry = AuditEntry.objects.first()
    for sql in [
        "UPDATE core_auditentry SET action = 'x' WHERE id = %s",
        "DELETE FROM core_auditentry WHERE id = %s",
    ]:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, action=entry.action).exists()
