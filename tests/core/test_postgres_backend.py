"""On PostgreSQL, queries are sent with their parameters apart and prepared when repeated, and
a statement with more parameters than the protocol carries (65,535) still runs."""

from __future__ import annotations

import pytest
from django.db import connection

from civicgrid.core.postgres.base import MAX_PARAMETERS
from civicgrid.regions.levels import Level
from civicgrid.regions.models import Region
from tests.concurrency import require_postgres
from tests.core.test_settings import settings_in_fresh_process


@pytest.fixture
def _postgres():
    require_postgres()


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres_only
@pytest.mark.django_db
@pytest.mark.usefixtures("_postgres")
def test_a_query_run_again_and_again_is_prepared_once_on_the_server():
    for code in range(8):
        list(Region.all_objects.filter(code=f"9{code:05d}"))
    prepared = [sql for sql in _prepared() if '"regions_region"' in sql]
    assert len(prepared) == 1
    assert '"regions_region"."code" = $1' in prepared[0]  # the parameter went apart


@pytest.mark.postgres_only
@pytest.mark.django_db
@pytest.mark.usefixtures("_postgres")
def test_a_statement_with_more_parameters_than_the_protocol_carries_still_runs():
    Region.all_objects.filter(code="320113").delete()
    Region.all_objects.create(code="320113", name="栖霞区", level=Level.COUNTY)
    codes = ["320113", *(f"9{n:05d}" for n in range(MAX_PARAMETERS + 10))]
    assert Region.all_objects.filter(code__in=codes).count() == 1


def test_postgresql_runs_on_our_backend_with_server_side_parameters_by_default(tmp_path):
    found = settings_in_fresh_process(tmp_path, DATABASE_URL="postgres://u@db:5432/civicgrid")
    assert found["DB"] == "civicgrid.core.postgres"
    assert found["OPTIONS"]["server_side_binding"] is True
    assert found["OPTIONS"]["prepare_threshold"] == 5


def test_server_side_parameters_can_be_turned_off_for_a_pooler(tmp_path):
    found = settings_in_fresh_process(
        tmp_path, DATABASE_URL="postgres://u@db:5432/civicgrid", DATABASE_SERVER_BINDING="0"
    )
    assert found["DB"] == "civicgrid.core.postgres"
    assert "server_side_binding" not in found["OPTIONS"]
