"""Background tasks of the command centre (they take ids and codes, never objects)."""

from __future__ import annotations

from django_tasks import task

from civicgrid.command.rollups import fold
from civicgrid.core.actor import acting_as


@task()
def fold_rollups_task() -> dict[str, int]:
    """Adds the waiting changes to the rollups (`civicgrid worker` enqueues it every
    COMMAND_FOLD_INTERVAL), so the table of waiting changes stays short between reads."""
    with acting_as(label="task:command.fold_rollups"):
        return {"folded": fold()}
