"""Background tasks of the incident loop (they take ids and codes, never objects)."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from civicgrid.core.actor import acting_as
from civicgrid.events.services.deadlines import run_deadlines


@task()
def run_deadlines_task() -> dict[str, int]:
    """The periodic deadline job (`civicgrid worker` enqueues it every EVENTS_DEADLINE_INTERVAL)."""
    with acting_as(label="task:events.deadlines"):
        return asdict(run_deadlines())
