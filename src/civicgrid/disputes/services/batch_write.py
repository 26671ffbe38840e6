"""The batch re-grade's reads and writes in a few statements whatever the number of rows: the
open disputes read by COPY on PostgreSQL; the new grades go to a staging table (COPY), then one
UPDATE … FROM joins them into the narrow grade rows, another the flows (priority and the
stage deadline it sets), and one
INSERT … SELECT appends the grade changes; only the suggestions that change are written.
Values are passed as parameters or copied, never put in the SQL."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl
from django.db import connection

from civicgrid.disputes import flow as dispute_flow
from civicgrid.disputes.models import Dispute, DisputeGrade, GradeChange, Suggestion
from civicgrid.workflow.models import Flow

# id, flow id, old colour ("" for none), new colour, reasons (JSON), level, follow-up days,
# follow-ups, days to resolve, escalation (0/1)
Row = tuple[int, int, str, str, str, int, int, int, int, int]
_COLUMNS = "id, flow_id, was, colour, reasons, level, fud, fur, days, esc"
_TYPES = "bigint, bigint, text, text, text, smallint, integer, integer, integer, integer"
STAGE = "disputes_stage"


def _q(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _copy_out(sql: str, params: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """The rows of a SELECT, by COPY … TO STDOUT as CSV, read by polars (no Python object
    per value: 620,000 disputes in well under a second)."""
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.connection.cursor().copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:  # type: ignore[attr-defined]  # fmt: skip
        for chunk in copy:
            buffer.write(chunk)
    if not buffer.tell():
        return pl.DataFrame(schema=schema)
    buffer.seek(0)
    return pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=schema)


_READ_SCHEMA = {
    "pk": pl.Int64, "flow": pl.Int64, "region": pl.String, "type": pl.String, "colour": pl.Int8,
    "level": pl.Int8, "organisation": pl.Int64, "amount": pl.Float64, "people_involved": pl.Float64,
    "repeat_petitions": pl.Float64, "threat_violence": pl.Int8, "threat_self_harm": pl.Int8,
    "group_incident": pl.Int8, "vulnerable_party": pl.Int8, "received_at": pl.Float64,
    "waiting": pl.Int8, "resolved_at": pl.Float64,
}  # fmt: skip
_FLAGS = ("threat_violence", "threat_self_harm", "group_incident", "vulnerable_party", "waiting")


def read_open_disputes(ids: Sequence[int] | None, *, open_states: Sequence[str], waiting_state: str) -> dict[str, np.ndarray]:  # fmt: skip
    """PostgreSQL: the open disputes (of `ids`) as arrays, only the columns the batch needs,
    the grade's colour as its index (-1 for none), times as epoch seconds, flags as 0/1."""
    d, g, f = _q(Dispute), _q(DisputeGrade), _q(Flow)
    colour = "CASE g.colour WHEN 'blue' THEN 0 WHEN 'yellow' THEN 1 WHEN 'orange' THEN 2 WHEN 'red' THEN 3 ELSE -1 END"  # fmt: skip
    where = "f.state = ANY(%s)"
    params: list[Any] = [waiting_state, list(open_states)]
    if ids is not None:
        where += " AND d.id = ANY(%s)"
        params.append(list(ids))
    sql = (
        f"SELECT d.id, d.flow_id, d.region_id, d.dispute_type_id, {colour}, COALESCE(g.level, 0), "  # noqa: S608 - names only
        "COALESCE(d.organisation_id, 0), d.amount::float8, d.people_involved, d.repeat_petitions, "
        "d.threat_violence::int, d.threat_self_harm::int, d.group_incident::int, "
        "d.vulnerable_party::int, EXTRACT(EPOCH FROM d.received_at)::float8, "
        "(f.state = %s)::int, EXTRACT(EPOCH FROM d.resolved_at)::float8 "
        f"FROM {d} AS d JOIN {f} AS f ON f.id = d.flow_id LEFT JOIN {g} AS g ON g.dispute_id = d.id "
        f"WHERE {where} ORDER BY d.id"
    )
    frame = _copy_out(sql, params, _READ_SCHEMA)
    out: dict[str, np.ndarray] = {}
    for name in _READ_SCHEMA:
        column = frame[name]
        if name in ("region", "type"):
            out[name] = np.array(column.to_list(), dtype=object)
        elif name in _FLAGS:
            out[name] = column.to_numpy().astype(bool)
        elif name == "resolved_at":
            out[name] = column.fill_null(float("nan")).to_numpy()
        else:
            out[name] = column.to_numpy()
    return out


def _stage(rows: Sequence[Row]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        columns = ", ".join(f"{n} {t}" for n, t in zip(_COLUMNS.split(", "), _TYPES.split(", "), strict=True))  # fmt: skip
        cursor.execute(f"CREATE TEMP TABLE {STAGE} ({columns})")
    _copy_or_insert(STAGE, _COLUMNS, rows)


def apply(rows: Sequence[Row], now: datetime) -> None:
    """Put the staged grades on the disputes' grade rows, the priorities on the flows. The
    staging table (STAGE) stays for `append_grade_changes`."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    if not rows:
        return
    _stage(rows)
    d, g = _q(Dispute), _q(DisputeGrade)
    if connection.vendor == "postgresql":
        due = "d.received_at + make_interval(days => v.days)"
        reasons = "v.reasons::jsonb"
    else:
        due = "datetime(d.received_at, '+' || v.days || ' days') || substr(d.received_at, 20)"
        reasons = "v.reasons"
    colour_of = "CASE v.colour WHEN 'blue' THEN 0 WHEN 'yellow' THEN 1 WHEN 'orange' THEN 2 ELSE 3 END"  # fmt: skip
    update = (
        f"UPDATE {g} SET colour = v.colour, colour_reasons = {reasons}, level = v.level, "  # noqa: S608 - names only
        f"follow_up_days = v.fud, follow_ups_required = v.fur, due_at = {due}, "
        f"escalations = {g}.escalations + v.esc "
        f"FROM {STAGE} AS v, {d} AS d WHERE {g}.dispute_id = v.id AND d.id = v.id"
    )  # the deadline counts from the dispute's intake: the dispute is read, not written
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Compare-and-set: only where the colour is still the one the batch read. A dispute
            # re-graded meanwhile keeps that grade and leaves the stage, so its flow and grade
            # changes are not moved by the batch either.
            cursor.execute(
                f"WITH done AS ({update} AND {g}.colour = v.was RETURNING {g}.dispute_id) "  # noqa: S608 - names only
                f"DELETE FROM {STAGE} AS v WHERE NOT EXISTS (SELECT 1 FROM done WHERE done.dispute_id = v.id)"
            )
        else:
            cursor.execute(update)
        _move_flows(cursor, colour_of, now)


def _stage_hours() -> list[tuple[str, int, float | None]]:
    """Hours each stage of an open dispute may take, per colour index (the workflow's policy,
    as `workflow.services.reprioritise` asks it for one case)."""
    states = (*dispute_flow.OPEN_STATES, dispute_flow.FOLLOWING_UP, dispute_flow.CLOSED)
    return [
        (state, p, dispute_flow.stage_hours(state, "", p)) for state in states for p in range(4)
    ]


HOURS = "disputes_stage_hours"


def _move_flows(cursor: Any, colour_of: str, now: datetime) -> None:
    """The flows' priorities, and with them the current stage's deadline counted from the
    stage's start (disputes count calendar hours): what a single re-grade does, set-based.
    The policy's hours per state and colour go to a small table joined in."""
    f = _q(Flow)
    cursor.execute(f"DROP TABLE IF EXISTS {HOURS}")
    cursor.execute(f"CREATE TEMP TABLE {HOURS} (state varchar(40), priority smallint, hours float)")
    _copy_or_insert(HOURS, "state, priority, hours", _stage_hours())
    if connection.vendor == "postgresql":
        after = f"{f}.stage_started_at + make_interval(secs => h.hours * 3600 * %s)"
    else:  # SQLite keeps times as text; its datetime() drops the fraction of a second
        after = f"datetime({f}.stage_started_at, '+' || (h.hours * %s) || ' hours') || substr({f}.stage_started_at, 20)"  # fmt: skip
    cursor.execute(
        f"UPDATE {f} SET priority = {colour_of}, updated_at = %s, "  # noqa: S608 - names only
        f"due_at = {after}, due_soon_at = {after}, overdue = COALESCE({after} <= %s, FALSE) "
        f"FROM {STAGE} AS v, {HOURS} AS h WHERE {f}.id = v.flow_id AND {f}.priority <> {colour_of} "
        f"AND h.state = {f}.state AND h.priority = {colour_of}",
        [now, 1.0, dispute_flow.DISPUTE.due_soon_fraction, 1.0, now],
    )
    cursor.execute(f"DROP TABLE {HOURS}")


def _copy_or_insert(table: str, columns: str, values: Sequence[tuple[Any, ...]]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.connection.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns.split(", ")))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608 - fixed text


def _stored_suggestions(ids: Sequence[int] | None) -> tuple[np.ndarray, np.ndarray]:
    """The stored suggestions (of `ids`) as (dispute ids, organisation ids), by dispute id."""
    qs = Suggestion.objects.order_by("dispute_id")
    if ids is not None:
        qs = qs.filter(dispute_id__in=ids)
    if connection.vendor == "postgresql":
        sql, params = qs.values_list("dispute_id", "organisation_id").query.sql_with_params()
        frame = _copy_out(sql, params, {"d": pl.Int64, "o": pl.Int64})
        return frame["d"].to_numpy(), frame["o"].to_numpy()
    pairs = list(qs.values_list("dispute_id", "organisation_id"))
    return (np.array([p[0] for p in pairs], dtype=np.int64), np.array([p[1] for p in pairs], dtype=np.int64))  # fmt: skip


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """values[keys == w] for each w of `wanted` (keys sorted), 0 where a key is missing."""
    if not len(keys):
        return np.zeros(len(wanted), dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, values[at], 0)


def replace_suggestions(disputes: np.ndarray, organisations: np.ndarray, now: datetime, ids: Sequence[int] | None) -> None:  # fmt: skip
    """The batch's routing suggestions (dispute ids in order, their organisations) replace the
    earlier ones (all of them, or those of `ids`): only those that differ are deleted and
    written, so a suggestion that stays the same is not touched."""
    stored, stored_org = _stored_suggestions(ids)
    gone = stored[_lookup(disputes, organisations, stored) != stored_org]
    new = _lookup(stored, stored_org, disputes) != organisations
    pairs = list(zip(disputes[new].tolist(), organisations[new].tolist(), strict=True))
    if not len(gone) and not pairs:
        return
    s = _q(Suggestion)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS disputes_suggest")
        cursor.execute("CREATE TEMP TABLE disputes_suggest (dispute_id bigint, organisation_id bigint)")  # fmt: skip
    _copy_or_insert("disputes_suggest", "dispute_id, organisation_id", [(pk, 0) for pk in gone.tolist()])  # fmt: skip
    with connection.cursor() as cursor:
        gone_sql = f"DELETE FROM {s} WHERE dispute_id IN (SELECT dispute_id FROM disputes_suggest)"  # noqa: S608 - names only
        cursor.execute(gone_sql)
        cursor.execute("DELETE FROM disputes_suggest")
    _copy_or_insert("disputes_suggest", "dispute_id, organisation_id", pairs)
    with connection.cursor() as cursor:
        # WHERE true: SQLite's parser, for the ON CONFLICT of an INSERT … SELECT.
        cursor.execute(
            f"INSERT INTO {s} (dispute_id, organisation_id, at) SELECT v.dispute_id, v.organisation_id, %s "  # noqa: S608 - names only
            "FROM disputes_suggest AS v WHERE true ON CONFLICT (dispute_id) DO NOTHING",
            [now],
        )
        cursor.execute("DROP TABLE disputes_suggest")


def append_grade_changes(at: datetime, cause: str, rule_set: int | None) -> None:
    """One GradeChange per staged grade (old colour → new, the reasons), appended by one
    INSERT … SELECT from the staging table `apply` left (call it after an `apply` of at least
    one row; `drop_stage` when done with it)."""
    table = _q(GradeChange)
    reasons = "v.reasons::jsonb" if connection.vendor == "postgresql" else "v.reasons"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (dispute_id, at, from_colour, to_colour, reasons, facts, cause, rule_set_id, by_label) "  # noqa: S608 - names only
            f"SELECT v.id, %s, v.was, v.colour, {reasons}, '{{}}', %s, %s, %s FROM {STAGE} AS v ORDER BY v.id",
            [at, cause, rule_set, "system"],
        )


def drop_stage() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
