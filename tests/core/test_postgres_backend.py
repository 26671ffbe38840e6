"""On PostgreSQL, queries are sent with their parameters apart and prepared when repeated, and
a statement with more parameters than the protocol carries (65,535) still runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from psycopg.postgres import types
from psycopg.pq import Format

from civicgrid.core.postgres.base import MAX_PARAMETERS
from civicgrid.regions.levels import Level
from civicgrid.regions.models import Region
from tests.concurrency import require_postgres
from tests.core.test_settings import settings_in_fresh_process

TIMESTAMPTZ_OID = types["timestamptz"].oid


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


@pytest.mark.postgres_only
@pytest.mark.django_db
@pytest.mark.usefixtures("_postgres")
def test_times_are_read_by_psycopgs_own_loader_as_aware_datetimes_in_utc():
    with connection.cursor() as cursor:
        cursor.execute("SELECT TIMESTAMPTZ '2026-11-30 10:00:00+08', NOW()")
        shanghai_ten, _now = cursor.fetchone()
        loader = cursor.cursor.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert shanghai_ten == datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    assert shanghai_ten.tzinfo is UTC  # what Django's own loader gives
    assert loader.__name__ == "TimestamptzLoader"  # psycopg's, not Django's SpecificTzLoader
    assert loader.__module__.startswith(("psycopg.", "psycopg_binary.", "psycopg_c."))
