"""Background tasks of the shared pieces (they take ids and codes, never objects)."""

from __future__ import annotations

from django_tasks import task

from civicgrid.core.actor import acting_as
from civicgrid.core.retention import archive_old_entries


@task()
def archive_audit_task() -> dict[str, object]:
    """The audit retention job (`civicgrid worker` enqueues it every AUDIT_ARCHIVE_INTERVAL)."""
    with acting_as(label="task:core.audit_archive"):
        return archive_old_entries()
