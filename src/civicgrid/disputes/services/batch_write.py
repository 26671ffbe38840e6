"""The batch re-grade's writes in a few statements whatever the number of rows: the new values
go to a staging table (COPY on PostgreSQL), then one UPDATE … FROM joins them in; grade changes
are appended the same way. Values are passed as parameters or copied, never put in the SQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection

from civicgrid.disputes.models import Dispute, GradeChange, Suggestion
from civicgrid.workflow.models import Flow

# id, flow id, colour, reasons (JSON), level, follow-up days, follow-ups, days to resolve,
# escalation (0/1)
Row = tuple[int, int, str, str, int, int, int, int, int]
_COLUMNS = "id, flow_id, colour, reasons, level, fud, fur, days, esc"
_TYPES = "bigint, bigint, text, text, smallint, integer, integer, integer, integer"


def _stage(rows: Sequence[Row]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS disputes_stage")
        columns = ", ".join(f"{n} {t}" for n, t in zip(_COLUMNS.split(", "), _TYPES.split(", "), strict=True))  # fmt: skip
        cursor.execute(f"CREATE TEMP TABLE disputes_stage ({columns})")
        if connection.vendor == "postgresql":
            with cursor.connection.cursor().copy(f"COPY disputes_stage ({_COLUMNS}) FROM STDIN") as copy:  # type: ignore[attr-defined]  # fmt: skip
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * 9)
            cursor.executemany(f"INSERT INTO disputes_stage ({_COLUMNS}) VALUES ({marks})", rows)  # noqa: S608 - fixed text


def apply(rows: Sequence[Row], now: datetime) -> None:
    """Put the staged grades and organisations on the disputes, the priorities on the flows."""
    if not rows:
        return
    _stage(rows)
    d = connection.ops.quote_name(Dispute._meta.db_table)
    f = connection.ops.quote_name(Flow._meta.db_table)
    if connection.vendor == "postgresql":
        due = f"{d}.received_at + make_interval(days => v.days)"
        reasons = "v.reasons::jsonb"
    else:
        due = f"datetime({d}.received_at, '+' || v.days || ' days') || substr({d}.received_at, 20)"
        reasons = "v.reasons"
    colour_of = "CASE v.colour WHEN 'blue' THEN 0 WHEN 'yellow' THEN 1 WHEN 'orange' THEN 2 ELSE 3 END"  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {d} SET colour = v.colour, colour_reasons = {reasons}, level = v.level, "  # noqa: S608 - names only
            f"follow_up_days = v.fud, follow_ups_required = v.fur, due_at = {due}, "
            f"escalations = {d}.escalations + v.esc "
            f"FROM disputes_stage AS v WHERE {d}.id = v.id"
        )
        cursor.execute(
            f"UPDATE {f} SET priority = {colour_of}, updated_at = %s "  # noqa: S608 - names only
            f"FROM disputes_stage AS v WHERE {f}.id = v.flow_id AND {f}.priority <> {colour_of}",
            [now],
        )
        cursor.execute("DROP TABLE disputes_stage")


def _copy_or_insert(table: str, columns: str, values: Sequence[tuple[Any, ...]]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.connection.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns.split(", ")))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608 - fixed text


def replace_suggestions(pairs: Sequence[tuple[int, int]], now: datetime, ids: Sequence[int] | None) -> None:  # fmt: skip
    """The batch's routing suggestions (dispute id, organisation id) replace the earlier ones
    (all of them, or those of `ids`); a suggestion that stays the same is not rewritten."""
    s = connection.ops.quote_name(Suggestion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS disputes_suggest")
        cursor.execute("CREATE TEMP TABLE disputes_suggest (dispute_id bigint PRIMARY KEY, organisation_id bigint)")  # fmt: skip
    _copy_or_insert("disputes_suggest", "dispute_id, organisation_id", pairs)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE disputes_suggest")
    where, params = "1 = 1", list(ids or [])
    if ids is not None:
        where = f"{s}.dispute_id IN ({', '.join(['%s'] * len(ids))})" if ids else "1 = 0"
    same = f"SELECT 1 FROM disputes_suggest AS v WHERE v.dispute_id = {s}.dispute_id AND v.organisation_id = {s}.organisation_id"  # noqa: S608 - names only
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {s} WHERE {where} AND NOT EXISTS ({same})", params)  # noqa: S608 - names and placeholders
        # Those left are the ones that stay: add the rest (WHERE true: SQLite's parser).
        cursor.execute(
            f"INSERT INTO {s} (dispute_id, organisation_id, at) SELECT v.dispute_id, v.organisation_id, %s "  # noqa: S608 - names only
            "FROM disputes_suggest AS v WHERE true ON CONFLICT (dispute_id) DO NOTHING",
            [now],
        )
        cursor.execute("DROP TABLE disputes_suggest")


def append_grade_changes(rows: Sequence[tuple[int, datetime, str, str, list[Any], str, int | None]]) -> None:  # fmt: skip
    """(dispute id, at, from, to, reasons, cause, rule set id) → GradeChange rows, by COPY on
    PostgreSQL (the batch can change hundreds of thousands of grades)."""
    if not rows:
        return
    table = GradeChange._meta.db_table
    columns = "dispute_id, at, from_colour, to_colour, reasons, facts, cause, rule_set_id, by_label"
    values = [(pk, at, was, now, json.dumps(reasons, ensure_ascii=False), "{}", cause, rule_set, "system") for pk, at, was, now, reasons, cause, rule_set in rows]  # fmt: skip
    _copy_or_insert(table, columns, values)
