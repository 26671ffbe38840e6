"""Background tasks of social assistance (they take codes, never objects)."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from civicgrid.assistance.models import Application
from civicgrid.assistance.services.monitoring import run_monitoring
from civicgrid.core.actor import acting_as


@task()
def run_monitoring_task() -> dict[str, dict[str, int]]:
    """Dynamic monitoring of every county with assistance (`civicgrid worker` enqueues it every
    ASSISTANCE_MONITORING_INTERVAL); one county per transaction, so one failure stops no other."""
    counties = sorted(
        {str(code)[:6] for code in Application.all_objects.values_list("region_id", flat=True)}
    )
    results = {}
    with acting_as(label="task:assistance.monitoring"):
        for county in counties:
            results[county] = asdict(run_monitoring(region_code=county, by=None))
    return results
