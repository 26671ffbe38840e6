"""Background tasks of the dispute app (they take ids and codes, never objects)."""

from __future__ import annotations

from django_scopes import scopes_disabled
from django_tasks import task

from civicgrid.core.actor import acting_as
from civicgrid.disputes.services.grading import sweep_days_open


@task()
def regrade_daily_task() -> dict[str, int]:
    """The daily job: the days-open rules raise the colour of disputes left unresolved."""
    with acting_as(label="task:disputes.regrade"), scopes_disabled():
        result = sweep_days_open()
    return {"graded": result.graded, "changed": result.changed}
