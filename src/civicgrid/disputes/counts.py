"""Dispute counts by month × area (province and city grains) × type × colour, kept current in the
transaction of every change of a dispute, so a city's numbers over a year read a few thousand
count rows instead of every dispute. A rebuild recounts them from the disputes.

A dispute counts once at each grain (its region code cut to 2, then to 4 digits … see GRAINS),
in the month (local time) it was received. Each change of a counted fact (`COUNTED`) takes the
dispute's old contribution away and adds its new one (one upsert per row, ON CONFLICT)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone

from civicgrid.disputes.models import Colour, Dispute, DisputeCount

# The lengths of the area codes counted: the province's cities, and a city's counties. A
# county's towns and a town's communities are counted from the disputes themselves (a county's
# year is a few thousand disputes; counts at those grains would be as many rows as disputes).
GRAINS = (4, 6)
# The dispute fields the counts read.
COUNTED = ("region_id", "received_at", "dispute_type_id", "colour", "outcome", "resolved_at", "repeat_petitions", "escalations")  # fmt: skip
COUNTED_NAMES = frozenset({*COUNTED, "region", "dispute_type"})
# Those of COUNTED stored in the dispute's grade row (DisputeGrade).
_ON_GRADE = ("colour", "escalations")
COUNTERS = ("received", "resolved", "failed", "took", "repeats", "escalated", "red")
ZERO = (0, 0, 0, timedelta(0), 0, 0, 0)
RESOLVED = (Dispute.Outcome.AGREEMENT, Dispute.Outcome.PARTIAL)
# (grain, area, month, type, colour)
Key = tuple[int, str, date, str, str]
Values = list[Any]  # the COUNTERS; took is a timedelta (exact sums, to the microsecond)


def month_of(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def contribution(facts: Mapping[str, Any]) -> dict[Key, Values]:
    """What one dispute (its COUNTED fields) adds to the counts."""
    resolved = facts["outcome"] in RESOLVED
    took = facts["resolved_at"] - facts["received_at"] if resolved and facts["resolved_at"] else timedelta(0)  # fmt: skip
    values = [
        1,
        int(resolved),
        int(facts["outcome"] == Dispute.Outcome.NO_AGREEMENT),
        took,
        int(facts["repeat_petitions"] > 0),
        int(facts["escalations"] > 0),
        int(facts["colour"] == Colour.RED),
    ]
    month = month_of(facts["received_at"])
    code = facts["region_id"]
    return {(g, code[:g], month, facts["dispute_type_id"], facts["colour"]): values for g in GRAINS}  # fmt: skip


def facts_of(dispute: Dispute) -> dict[str, Any]:
    return {name: getattr(dispute, name) for name in COUNTED}


def _graded(dispute: Any) -> dict[str, Any]:
    """The grade's counted fields as expressions: on DisputeGrade since migration 0005, on the
    dispute itself in the models of earlier migrations (0003 counts with them)."""
    on_grade = any(f.name == "grade" for f in dispute._meta.get_fields())
    return {name: F(f"grade__{name}" if on_grade else name) for name in _ON_GRADE}


def counted_values(qs: Any) -> Any:
    """`qs` as dicts of the COUNTED fields (what `contribution` reads)."""
    return qs.values(*(n for n in COUNTED if n not in _ON_GRADE), **_graded(qs.model))


def stored_facts(pk: int) -> dict[str, Any] | None:
    return counted_values(Dispute.all_objects.filter(pk=pk)).first()  # type: ignore[no-any-return]


def difference(before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]) -> dict[Key, Values]:  # fmt: skip
    """The counts `after` adds and `before` takes away (rows that do not change left out)."""
    out: dict[Key, Values] = defaultdict(lambda: list(ZERO))
    for sign, rows in ((-1, before), (1, after)):
        for facts in rows:
            for key, values in contribution(facts).items():
                into = out[key]
                for i, v in enumerate(values):
                    into[i] += sign * v
    return {k: v for k, v in out.items() if any(v)}


def add(deltas: Mapping[Key, Values]) -> None:
    """Add to the count rows (creating those missing), one upsert per row."""
    if not deltas:
        return
    table = connection.ops.quote_name(DisputeCount._meta.db_table)
    names = ", ".join(COUNTERS)
    sets = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in COUNTERS)
    marks = ", ".join(["%s"] * (5 + len(COUNTERS)))
    sql = (
        f"INSERT INTO {table} (grain, area, month, dispute_type, colour, {names}) "  # noqa: S608 - names only
        f"VALUES ({marks}) ON CONFLICT (grain, area, month, dispute_type, colour) DO UPDATE SET {sets}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*key, *_prepared(values)) for key, values in deltas.items()])


def _prepared(values: Values) -> Values:
    took = DisputeCount._meta.get_field("took").get_db_prep_value(values[3], connection)  # type: ignore[union-attr]
    return [*values[:3], took, *values[4:]]


def changed(dispute: Dispute, before: Mapping[str, Any] | None) -> None:
    """After a dispute was saved: move its contribution from `before` (None: new) to now."""
    add(difference([before] if before else [], [facts_of(dispute)]))


def _measures(prefix: str = "") -> dict[str, Any]:
    took = ExpressionWrapper(F("resolved_at") - F("received_at"), output_field=DurationField())
    resolved = Q(outcome__in=RESOLVED)
    return {
        "received": Count("id"),
        "resolved": Count("id", filter=resolved),
        "failed": Count("id", filter=Q(outcome=Dispute.Outcome.NO_AGREEMENT)),
        "took": Sum(took, filter=resolved),
        "repeats": Count("id", filter=Q(repeat_petitions__gt=0)),
        "escalated": Count("id", filter=Q(**{f"{prefix}escalations__gt": 0})),
        "red": Count("id", filter=Q(**{f"{prefix}colour": Colour.RED})),
    }


def _grouped(dispute: Any, grain: int) -> Any:
    on_grade = any(f.name == "grade" for f in dispute._meta.get_fields())
    return (
        dispute._base_manager.annotate(
            a=Substr("region_id", 1, grain),
            m=TruncMonth("received_at", tzinfo=timezone.get_current_timezone()),
            c=F("grade__colour" if on_grade else "colour"),
        )
        .values("a", "m", "dispute_type_id", "c")
        .annotate(**_measures("grade__" if on_grade else ""))
        .order_by()
    )


def counted_from_disputes(dispute: Any = Dispute, count: Any = DisputeCount) -> list[Any]:
    """The count rows the disputes make (what the live counts must equal); the models may be a
    migration's."""
    rows: list[Any] = []
    for grain in GRAINS:
        for row in _grouped(dispute, grain):
            month = row["m"].date() if isinstance(row["m"], datetime) else row["m"]
            rows.append(count(
                grain=grain, area=row["a"], month=month, dispute_type=row["dispute_type_id"],
                colour=row["c"], received=row["received"], resolved=row["resolved"],
                failed=row["failed"], took=row["took"] or timedelta(0),
                repeats=row["repeats"], escalated=row["escalated"], red=row["red"],
            ))  # fmt: skip
    return rows


def rebuild(dispute: Any = Dispute, count: Any = DisputeCount) -> int:
    """Recount every row from the disputes (after a batch, or to repair). Call it inside a
    transaction: on PostgreSQL the count table is locked until the end of it, so a change made
    meanwhile adds its difference after the recount, never into the rows being replaced."""
    if connection.vendor != "postgresql":
        count._base_manager.all()._raw_delete(connection.alias)
        rows = counted_from_disputes(dispute, count)
        count._base_manager.bulk_create(rows, batch_size=2000)
        return len(rows)
    # On PostgreSQL the same grouping, inserted by the server (no row comes to Python).
    table = connection.ops.quote_name(count._meta.db_table)
    names = ", ".join(COUNTERS)
    done = 0
    sums = ", ".join(f"SUM({c})" for c in COUNTERS)
    finest, *coarser = sorted(GRAINS, reverse=True)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a name only
        sql, params = _grouped(dispute, finest).query.sql_with_params()
        cursor.execute(
            f"INSERT INTO {table} (grain, area, month, dispute_type, colour, {names}) "  # noqa: S608 - names only
            f"SELECT %s, q.a, q.m::date, q.dispute_type_id, q.c, q.received, q.resolved, "
            f"q.failed, COALESCE(q.took, interval '0'), q.repeats, "
            f"q.escalated, q.red FROM ({sql}) AS q",
            [finest, *params],
        )
        done += cursor.rowcount
        # A coarser grain's area is a prefix of the finer one's: its rows are the finer rows
        # summed (a few thousand rows read instead of every dispute again).
        for grain in coarser:
            cursor.execute(
                f"INSERT INTO {table} (grain, area, month, dispute_type, colour, {names}) "  # noqa: S608 - names only
                f"SELECT %s, SUBSTRING(area, 1, %s), month, dispute_type, colour, {sums} "
                f"FROM {table} WHERE grain = %s GROUP BY 2, 3, 4, 5",
                [grain, grain, finest],
            )
            done += cursor.rowcount
    return done
