"""Keeping the rollups current: one difference per change of a case, and a rebuild from history."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from typing import Any, cast

import numpy as np
from django.db import connection, transaction
from django.db.models import Max, Q, Sum
from django.db.models.fields.json import KT
from django.utils.translation import gettext_lazy as _

from civicgrid.command.facts import (
    COUNTERS,
    CREATED,
    ENTRY_FIELDS,
    TZ,
    Case,
    Entry,
    Facts,
    Key,
    difference,
    entry_of,
    escalation,
    facts,
)
from civicgrid.command.models import Rollup, RollupChange
from civicgrid.core.bulk import copy_rows
from civicgrid.core.errors import DomainError
from civicgrid.events.models import Incident
from civicgrid.regions.levels import level_of_code
from civicgrid.regions.models import Region
from civicgrid.workflow.models import TimelineEntry

GRAINS = (6, 9, 12)
# Which grains each cube is kept at: grid workers work in one community, so one grain does.
CUBES: dict[str, tuple[int, ...]] = {"a": GRAINS, "c": GRAINS, "o": GRAINS, "w": (12,)}
KEY_COLUMNS = ("cube", "grain", "span", "area", "day", "category", "org", "worker")
# (cube, grain, span, area, day, category, org, worker)
RowKey = tuple[str, int, str, str, date, str, int, int]
Rows = dict[RowKey, list[int]]

# Actions of events.signals.case_changed that cannot change any number.
NOT_COUNTED = frozenset({"supervise"})
# Rows per upsert statement (SQLite allows 32,766 parameters; a row takes 29).
UPSERT_ROWS = 500
# Waiting changes folded per transaction.
FOLD_ROWS = 20_000


def pad(code: str, grain: int) -> str:
    """The area of a grain: the code cut to its length, or padded with zeros (a case placed
    only at its town, 320113002, counts at the community grain as 320113002000)."""
    return (code + "0" * grain)[:grain]


def code_range(prefix: str, length: int) -> tuple[str, str]:
    """Bounds of the codes of one length under a prefix. Equal-length digit strings sort the
    same in every collation, so this range uses the index where LIKE 'prefix%' may not."""
    return pad(prefix, length), (prefix + "9" * length)[:length]


def prefix_range(prefix: str, longest: int = 18) -> tuple[str, str]:
    """Bounds of the codes of any length (up to `longest`) that start with a prefix: the prefix
    itself sorts first, and no digit string under it sorts after prefix + 999…."""
    return prefix, prefix + "9" * (longest - len(prefix))


def month_of(day: date) -> date:
    return day.replace(day=1)


def _accumulate(total: dict[Any, list[int]], key: Any, counts: Iterable[int]) -> None:
    """Add counts to the row of `key` in `total` (a new row starts at zero)."""
    row = total.setdefault(key, [0] * len(COUNTERS))
    for i, v in enumerate(counts):
        row[i] += v


def expand(delta: Facts, grains: Iterable[int] = GRAINS) -> Rows:
    """The rollup rows a set of facts adds to: every cube, grain and span."""
    wanted = set(grains)
    rows: Rows = {}
    for (day, region, category, org, worker), counts in delta.items():
        for span, when in (("d", day), ("m", month_of(day))):
            for grain in GRAINS:
                if grain not in wanted:
                    continue
                area = pad(region, grain)
                _accumulate(rows, ("a", grain, span, area, when, "", 0, 0), counts)
                _accumulate(rows, ("c", grain, span, area, when, category, 0, 0), counts)
                _accumulate(rows, ("o", grain, span, area, when, "", org, 0), counts)
            if worker and 12 in wanted:
                _accumulate(rows, ("w", 12, span, pad(region, 12), when, "", 0, worker), counts)
    return rows


def _upsert_sql(n_rows: int) -> str:
    q = connection.ops.quote_name
    table = q(Rollup._meta.db_table)
    columns = [*KEY_COLUMNS, *COUNTERS]
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(f"{q(c)} = {table}.{q(c)} + EXCLUDED.{q(c)}" for c in COUNTERS)
    # Only our own table and column names go into the text; every value is a parameter.
    conflict = f"ON CONFLICT ({', '.join(q(c) for c in KEY_COLUMNS)}) DO UPDATE SET {updates}"
    insert = f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "
    return insert + f"VALUES {', '.join([one] * n_rows)} " + conflict


@functools.cache
def _upsert_arrays_sql() -> str:
    """PostgreSQL: the same upsert with one array parameter per column, whatever the number of
    rows. psycopg parses and caches a statement of at most 50 parameters once; the VALUES form
    (29 per row, 20 rows for a new report) was parsed afresh on every report (≈ 1.5 ms)."""
    q = connection.ops.quote_name
    table = q(Rollup._meta.db_table)
    columns = [*KEY_COLUMNS, *COUNTERS]
    arrays = ", ".join(f"%s::{Rollup._meta.get_field(c).db_type(connection)}[]" for c in columns)
    updates = ", ".join(f"{q(c)} = {table}.{q(c)} + EXCLUDED.{q(c)}" for c in COUNTERS)
    conflict = f"ON CONFLICT ({', '.join(q(c) for c in KEY_COLUMNS)}) DO UPDATE SET {updates}"
    insert = f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "
    # WITH ORDINALITY … ORDER BY keeps the rows in key order (the locking order below).
    return (
        insert
        + f"SELECT {', '.join(f'u.c{i}' for i in range(len(columns)))} "
        + f"FROM unnest({arrays}) WITH ORDINALITY "
        + f"AS u({', '.join(f'c{i}' for i in range(len(columns)))}, n) ORDER BY u.n "
        + conflict
    )


def add_rows(rows: Rows) -> None:
    """Add the rows' counts to the table in one statement (INSERT … ON CONFLICT DO UPDATE).

    Rows go in key order, so two changes touching the same rows lock them in the same order.
    Rows a correction left at zero (a merge, a relocation) are removed.
    """
    # A difference that adds nothing (a fold of a report and its relocation) writes nothing:
    # it would leave an empty row where none was.
    ordered = sorted((key, counts) for key, counts in rows.items() if any(counts))
    if not ordered:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), UPSERT_ROWS):
            part = ordered[start : start + UPSERT_ROWS]
            if connection.vendor == "postgresql":
                values = [(*key, *counts) for key, counts in part]
                cursor.execute(_upsert_arrays_sql(), [list(c) for c in zip(*values, strict=True)])
                continue
            params: list[Any] = []
            for key, counts in part:
                params.extend(key)
                params.extend(counts)
            cursor.execute(_upsert_sql(len(part)), params)
    if any(v < 0 for _key, counts in ordered for v in counts):
        zero = Q(**{c: 0 for c in COUNTERS})
        touched = Q()
        for key, _counts in ordered:
            touched |= Q(**dict(zip(KEY_COLUMNS, key, strict=True)))
        Rollup.objects.filter(zero & touched).delete()


# --- the live path -----------------------------------------------------------------------------


def case_of(incident: Incident, region: str | None = None) -> Case:
    return Case(
        region=region or incident.region_id,
        category=incident.category_id,
        reporter_id=incident.reporter_id,
        reported_at=incident.reported_at,
    )


def _entries(flow_id: int) -> list[Entry]:
    rows = TimelineEntry.objects.filter(flow_id=flow_id).order_by("id").values(*ENTRY_FIELDS)
    return [entry_of(row) for row in rows]


def _primary(entries: list[Entry], action: str) -> Entry | None:
    """The entry the announced change wrote (the latest of its kind)."""
    for entry in reversed(entries):
        if action == "reported" and entry.kind == CREATED:
            return entry
        if entry.transition == action and entry.kind in ("transition", "event"):
            return entry
    return None


def change_of(incident: Incident, action: str, entries: list[Entry] | None = None) -> Facts:
    """What one announced change adds to the numbers: the case's facts now, less its facts
    just before the change (the entries before the change's own, at its place before)."""
    if action == "reported" and entries is None:
        # A case just taken in has only its "created" entry, which counts nothing but the
        # report itself: no need to read its timeline (intake announces this on every report).
        return facts(case_of(incident), [])
    if entries is None:
        entries = _entries(incident.flow_id)
    now = facts(case_of(incident), entries)
    primary = _primary(entries, action)
    if primary is None or primary.kind == CREATED:
        return now if action == "reported" else {}
    region = incident.region_id
    if action == "relocate":
        region = str(primary.data.get("from") or region)
    before = facts(case_of(incident, region), [e for e in entries if e.id < primary.id])
    return difference(now, before)


def queue(delta: Facts) -> None:
    """Leave a change's difference for the next fold (one short row per key, no rollup lock).
    Keys that sum to nothing are left out."""
    delta = {key: counts for key, counts in delta.items() if any(counts)}
    if delta:
        RollupChange.objects.bulk_create(
            RollupChange(
                day=day, region=region, category=category, org=org, worker=worker,
                counts=",".join(map(str, counts)),
            )
            for (day, region, category, org, worker), counts in delta.items()
        )  # fmt: skip


def fold() -> int:
    """Add every change waiting when it starts to the rollups; returns how many it added.

    In chunks of FOLD_ROWS, each deleted and added in one transaction (a worker that was down
    for a day leaves a long queue). A second fold at the same time waits on the rows the first
    is deleting and finds them gone once that commits, so when `fold` returns, every change
    committed before it started is in the rollups, whoever added it.
    """
    last = RollupChange.objects.aggregate(last=Max("id"))["last"]
    if last is None:
        return 0
    folded = 0
    while True:
        folded += _fold_chunk(last)
        if not RollupChange.objects.filter(id__lte=last).exists():
            return folded


def _fold_chunk(last: int) -> int:
    table = connection.ops.quote_name(RollupChange._meta.db_table)
    # Only our table's name goes into the text; SQLite has DELETE … RETURNING since 3.35.
    sql = (
        f"DELETE FROM {table} WHERE id IN "  # noqa: S608 - our table's name only
        f"(SELECT id FROM {table} WHERE id <= %s ORDER BY id LIMIT %s) "
        "RETURNING day, region, category, org, worker, counts"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [last, FOLD_ROWS])
        waiting = cursor.fetchall()
        total: Facts = {}
        for day, region, category, org, worker, counts in waiting:
            key = (_as_date(day), region, category, org, worker)
            _accumulate(total, key, map(int, counts.split(",")))
        add_rows(expand(total))
    return len(waiting)


def _as_date(value: date | str) -> date:
    # Raw rows from SQLite hold the day as text; psycopg gives a date.
    return value if isinstance(value, date) else date.fromisoformat(value)


def on_case_changed(sender: Any, incident: Incident, action: str, **kwargs: Any) -> None:
    """events.signals.case_changed: inside the change's transaction, so both commit together."""
    if action in NOT_COUNTED:
        return
    queue(change_of(incident, action))


def on_cases_changed(sender: Any, incidents: list[Incident], action: str, **kwargs: Any) -> None:
    """events.signals.cases_changed: the same for many cases, with one read of their timelines
    and one write of their summed differences."""
    if action in NOT_COUNTED or not incidents:
        return
    before = kwargs.get("before")
    if action == "escalate" and before is not None:
        queue(_escalations(incidents, before, kwargs["at"]))
        return
    by_flow: dict[int, list[Entry]] = {}
    rows = TimelineEntry.objects.filter(flow_id__in=[i.flow_id for i in incidents])
    for row in rows.order_by("id").values("flow_id", *ENTRY_FIELDS):
        by_flow.setdefault(row["flow_id"], []).append(entry_of(row))
    total: Facts = {}
    for incident in incidents:
        delta = change_of(incident, action, by_flow.get(incident.flow_id, []))
        for key, counts in delta.items():
            _accumulate(total, key, counts)
    queue(total)


def _escalations(
    incidents: list[Incident], before: Mapping[int, tuple[str, datetime | None, str]], at: datetime
) -> Facts:
    """The deadline job's escalations, from each case's state just before (no timeline read)."""
    total: Facts = {}
    for incident in incidents:
        state, due, handler = before[incident.pk]
        delta = escalation(case_of(incident), at=at, from_state=state, due=due, handler=handler)
        for key, counts in delta.items():
            _accumulate(total, key, counts)
    return total


# --- rebuilding from history -------------------------------------------------------------------


@dataclass(frozen=True)
class RebuildResult:
    cases: int
    rows: int
    seconds: float


def _check_area(area: str | None) -> str:
    if not area:
        return ""
    if level_of_code(area) is None or len(area) > 12:
        raise DomainError(
            "command.bad_area",
            _("Rebuild an area down to a community: a code of 2 to 12 digits."),
        )
    if not Region.all_objects.filter(code=area).exists():
        raise DomainError(
            "command.unknown_area", _("There is no area %(code)s.") % {"code": area}, status=404
        )
    return area


def _chunks(area: str) -> list[str]:
    """Areas processed one at a time: towns (or the area itself below a town), plus codes of
    cases placed only at a county or above (kept exact, not as prefixes)."""
    if len(area) >= 9:
        return [area]
    incidents = Incident.all_objects.all()
    if area:
        low, high = prefix_range(area)
        incidents = incidents.filter(region_id__gte=low, region_id__lte=high)
    # One pass over the region column; towns sort together, so counties come out in order.
    codes = {
        str(code)[:9]
        for code in incidents.order_by().values_list("region_id", flat=True).distinct()
    }
    return sorted(codes)


def _within(chunk: str, field: str) -> Q:
    """A chunk's cases by their place: a town's subtree, or exactly a code above a town."""
    if len(chunk) < 9:
        return Q(**{field: chunk})
    low, high = prefix_range(chunk)
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def _cases_in(chunk: str, since: date | None) -> dict[int, Case]:
    qs = Incident.all_objects.filter(_within(chunk, "region_id"))
    if since is not None:
        start = datetime.combine(since, dtime.min, tzinfo=TZ)
        qs = qs.filter(
            Q(reported_at__gte=start)
            | Q(closed_at__isnull=True)
            | Q(closed_at__gte=start)
            | Q(evaluated_at__gte=start)
        )
    rows = qs.values_list("flow_id", "region_id", "category_id", "reporter_id", "reported_at")
    # No grain is finer than the community: facts of one community add up in the same rows.
    return {
        flow: Case(pad(str(region), 12), str(category), reporter, reported)
        for flow, region, category, reporter, reported in rows.iterator(chunk_size=20_000)
    }


# The few values of an entry's details the numbers read, extracted by the database.
_DETAILS = {
    "due_at": KT("data__due_at"),
    "to": KT("data__to"),
    "handler": KT("data__inputs__handler"),
    "level": KT("data__inputs__level"),
    "satisfaction": KT("data__satisfaction"),
}


def _entry(row: tuple[Any, ...]) -> Entry:
    _flow, pk, at, kind, transition, from_state, *details = row
    # SQLite's JSON extraction gives a JSON null as the text "null".
    due_at, to, handler, level, rating = (None if v == "null" else v for v in details)
    data: dict[str, Any] = {"due_at": due_at, "to": to, "satisfaction": rating}
    if handler is not None or level is not None:
        data["inputs"] = {"handler": handler or "", "level": level if level is not None else 0}
    return Entry(pk, at, kind, transition, from_state, data)


def _facts_in(chunk: str, since: date | None) -> tuple[int, list[tuple[Key, list[int]]]]:
    """Facts of every case of a chunk: its cases, then their timelines in one ordered pass."""
    cases = _cases_in(chunk, since)
    if not cases:
        return 0, []
    entries = (
        TimelineEntry.objects.filter(_within(chunk, "flow__region_id"))
        .order_by("flow_id", "id")
        .values_list("flow_id", "id", "at", "kind", "transition", "from_state", *_DETAILS.values())
    )
    out: list[tuple[Key, list[int]]] = []

    def add(flow: int | None, mine: list[Entry]) -> None:
        case = cases.get(flow) if flow is not None else None
        if case is None:
            return
        for key, counts in facts(case, mine).items():
            if since is None or key[0] >= since:
                out.append((key, counts))

    current: int | None = None
    mine: list[Entry] = []
    for row in entries.iterator(chunk_size=20_000):
        if row[0] != current:
            add(current, mine)
            current, mine = row[0], []
        mine.append(_entry(row))
    add(current, mine)
    return len(cases), out


def _group(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows with equal keys summed (keys N×k, counts N×C): sorted, then added in runs."""
    if len(keys) == 0:
        return keys, counts
    order = np.lexsort(keys.T[::-1])
    keys, counts = keys[order], counts[order]
    starts = np.flatnonzero(np.r_[True, np.any(keys[1:] != keys[:-1], axis=1)])
    return keys[starts], np.add.reduceat(counts, starts, axis=0)


class _Chunk:
    """One chunk's facts as arrays, grouped into every cube, grain and span at once (the
    Python way, one dictionary update per row and cube, is a hundred times slower)."""

    def __init__(self, found: list[tuple[Key, list[int]]]) -> None:
        self.areas = sorted({k[1] for k, _counts in found})
        self.categories = sorted({k[2] for k, _counts in found})
        area_ix = {a: i for i, a in enumerate(self.areas)}
        cat_ix = {c: i for i, c in enumerate(self.categories)}
        months: dict[date, int] = {}
        keys = []
        for (day, area, category, org, worker), _counts in found:
            month = months.get(day)
            if month is None:
                month = months[day] = month_of(day).toordinal()
            keys.append((day.toordinal(), month, area_ix[area], cat_ix[category], org, worker))
        # Columns: day, month, area, category, org, worker.
        self.keys = np.array(keys, dtype=np.int64).reshape(-1, 6)
        self.counts = np.array([c for _k, c in found], dtype=np.int64).reshape(-1, len(COUNTERS))

    def rows(self, cube: str, grain: int, span: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(keys: time, area, dimension) and sums for one cube, grain and span."""
        grained = sorted({pad(a, grain) for a in self.areas})
        lookup = {a: i for i, a in enumerate(grained)}
        to_grain = np.array([lookup[pad(a, grain)] for a in self.areas], dtype=np.int64)
        keys, counts = self.keys, self.counts
        if cube == "w":
            mask = keys[:, 5] != 0
            keys, counts = keys[mask], counts[mask]
        dimension = {"a": None, "c": 3, "o": 4, "w": 5}[cube]
        columns = [keys[:, 0 if span == "d" else 1], to_grain[keys[:, 2]]]
        columns.append(
            keys[:, dimension] if dimension is not None else np.zeros(len(keys), np.int64)
        )
        grouped, sums = _group(np.column_stack(columns), counts)
        return grouped, sums, grained


def _decode(
    cube: str,
    grain: int,
    span: str,
    keys: np.ndarray,
    sums: np.ndarray,
    areas: list[str],
    categories: list[str],
) -> Iterator[tuple[RowKey, list[int]]]:
    for (t, a, d), counts in zip(keys.tolist(), sums.tolist(), strict=True):
        key: RowKey = (
            cube,
            grain,
            span,
            areas[a],
            date.fromordinal(t),
            categories[d] if cube == "c" else "",
            d if cube == "o" else 0,
            d if cube == "w" else 0,
        )
        yield key, counts


def _insert(rows: Iterable[tuple[RowKey, list[int]]] | Mapping[RowKey, list[int]]) -> int:
    """Write new rows (their keys are known to be free), leaving out the ones that count
    nothing."""
    items = rows.items() if isinstance(rows, Mapping) else rows
    return copy_rows(
        Rollup, (*KEY_COLUMNS, *COUNTERS), ((*key, *counts) for key, counts in items if any(counts))
    )


def _delete(grains: Iterable[int], area: str, since: date | None) -> None:
    for grain in grains:
        qs = Rollup.objects.filter(grain=grain)
        if area:
            low, high = code_range(area, grain)
            qs = qs.filter(area__gte=low, area__lte=high)
        if since is not None:
            qs = qs.filter(day__gte=since)
        qs.delete()


def _derive(grain: int, finer: int, ancestor: str, since: date | None) -> int:
    """Rows of a coarser grain for one area, summed from the finer grain's rows."""
    _delete_exact = Rollup.objects.filter(grain=grain, area=ancestor)
    if since is not None:
        _delete_exact = _delete_exact.filter(day__gte=since)
    _delete_exact.delete()
    low, high = code_range(ancestor, finer)
    source = Rollup.objects.filter(
        grain=finer, cube__in=[c for c, grains in CUBES.items() if grain in grains]
    ).filter(area__gte=low, area__lte=high)
    if since is not None:
        source = source.filter(day__gte=since)
    sums = source.values("cube", "span", "day", "category", "org", "worker").annotate(
        **{f"sum_{c}": Sum(c) for c in COUNTERS}
    )
    rows: Rows = {
        (s["cube"], grain, s["span"], ancestor, s["day"], s["category"], s["org"], s["worker"]): [
            int(s[f"sum_{c}"] or 0) for c in COUNTERS
        ]
        for s in cast("list[dict[str, Any]]", sums)  # the counter keys are computed
    }
    return _insert(rows)


def _reindex(
    keys: np.ndarray,
    areas: list[str],
    categories: list[str],
    area_ix: dict[str, int],
    cat_ix: dict[str, int],
    cube: str,
) -> np.ndarray:
    """Keys (span, time, area, dimension) of one town, renumbered to the county's lists."""
    out = keys.copy()
    out[:, 2] = np.array([area_ix[a] for a in areas], dtype=np.int64)[keys[:, 2]]
    if cube == "c":
        out[:, 3] = np.array([cat_ix[c] for c in categories], dtype=np.int64)[keys[:, 3]]
    return out


@transaction.atomic
def rebuild(*, area: str | None = None, since: date | None = None) -> RebuildResult:
    """Recompute the rollups of an area (all areas without one) from the incidents and their
    timelines, for days from `since` on (from the first of its month, as month rows are whole)."""
    started = time.perf_counter()
    area = _check_area(area)
    # What waits is part of the history read below: folded first, so it is not added twice.
    fold()
    since = month_of(since) if since is not None else None
    direct = tuple(g for g in GRAINS if g >= len(area))
    _delete(direct, area, since)
    cases = written = 0
    # County rows gather the towns of a county: grouped per town, then again per county.
    county: str | None = None
    pending: dict[str, list[tuple[np.ndarray, np.ndarray, list[str], list[str]]]] = {}

    def flush_county() -> int:
        done = 0
        for cube, parts in pending.items():
            names = sorted({a for _k, _s, areas, _c in parts for a in areas})
            cats = sorted({c for _k, _s, _a, categories in parts for c in categories})
            a_ix, c_ix = {a: i for i, a in enumerate(names)}, {c: i for i, c in enumerate(cats)}
            keys = np.concatenate(
                [_reindex(k, areas, cs, a_ix, c_ix, cube) for k, _s, areas, cs in parts]
            )
            sums = np.concatenate([s for _k, s, _a, _c in parts])
            for span in ("d", "m"):
                mask = keys[:, 0] == (0 if span == "d" else 1)
                grouped, total = _group(keys[mask][:, 1:], sums[mask])
                done += _insert(_decode(cube, 6, span, grouped, total, names, cats))
        pending.clear()
        return done

    for chunk in _chunks(area):
        if chunk[:6] != county:
            written += flush_county()
            county = chunk[:6]
        n, found = _facts_in(chunk, since)
        cases += n
        if not found:
            continue
        arrays = _Chunk(found)
        for cube, grains in CUBES.items():
            for grain in grains:
                if grain not in direct:
                    continue
                for span in ("d", "m"):
                    keys, sums, areas = arrays.rows(cube, grain, span)
                    if grain == 6:
                        marked = np.column_stack(
                            [np.full(len(keys), 0 if span == "d" else 1, np.int64), keys]
                        )
                        pending.setdefault(cube, []).append(
                            (marked, sums, areas, arrays.categories)
                        )
                        continue
                    written += _insert(
                        _decode(cube, grain, span, keys, sums, areas, arrays.categories)
                    )
    written += flush_county()
    # Grains coarser than the area: re-summed from the grain below, for the area's ancestors.
    for grain in sorted((g for g in GRAINS if g < len(area)), reverse=True):
        finer = min(g for g in GRAINS if g > grain)
        written += _derive(grain, finer, area[:grain], since)
    return RebuildResult(cases=cases, rows=written, seconds=time.perf_counter() - started)
