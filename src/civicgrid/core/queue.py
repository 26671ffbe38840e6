"""Where background tasks wait: one answer for the worker, the scheduler, probes, metrics and
the senders of notifications."""

from __future__ import annotations


def queued_in_database() -> bool:
    """Do tasks wait in this project's database (django-tasks-db) until a worker runs them?
    (The other backends run a task where it is enqueued, or never.)"""
    # Imported here: the task backends are built from settings on first use.
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)
