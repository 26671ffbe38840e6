"""What one case contributes to the numbers: counts on the days things happened (docs/indicators.md).

A pure function of the case's fixed attributes and its timeline, so the live rollups (one
difference per change) and a rebuild from history always agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

# Days of the assessment are Beijing days, whatever the server's time zone setting says.
TZ = ZoneInfo("Asia/Shanghai")

# Every counter a rollup row keeps; sums of seconds are kept to give average times.
COUNTERS: tuple[str, ...] = (
    "reports",
    "registered",
    "rejected",
    "merged",
    "escalated",
    "dispatched",
    "dispatched_on_time",
    "returned",
    "handled",
    "handled_on_time",
    "handle_seconds",
    "reworked",
    "closed",
    "closed_on_time",
    "close_seconds",
    "closed_town",
    "closed_county",
    "late",
    "evaluated",
    "satisfied",
    "basic",
)
INDEX = {name: i for i, name in enumerate(COUNTERS)}
SECONDS = frozenset({"handle_seconds", "close_seconds"})

# Timeline vocabulary (workflow.TimelineEntry.Kind and the incident loop's states).
CREATED, TRANSITION, EVENT, DEADLINE = "created", "transition", "event", "deadline"
REPORTED, DISPATCHED, HANDLING = "reported", "dispatched", "handling"
WITH_HANDLER = (DISPATCHED, HANDLING)


@dataclass(frozen=True)
class Case:
    """The attributes of an incident that do not change along the loop (the place aside, which
    a desk may correct: the numbers follow the case to its corrected place)."""

    region: str
    category: str
    reporter_id: int | None
    reported_at: datetime


@dataclass(frozen=True)
class Entry:
    """One timeline entry, as much of it as the numbers need."""

    id: int
    at: datetime
    kind: str
    transition: str
    from_state: str
    data: Mapping[str, Any]


# (day, region code, category, organisation id or 0, grid worker id or 0)
Key = tuple[date, str, str, int, int]
Facts = dict[Key, list[int]]

ENTRY_FIELDS = ("id", "at", "kind", "transition", "from_state", "data")


def entry_of(row: Mapping[str, Any]) -> Entry:
    return Entry(
        id=row["id"],
        at=row["at"],
        kind=row["kind"],
        transition=row["transition"],
        from_state=row["from_state"],
        data=row["data"] or {},
    )


def day_of(at: datetime) -> date:
    return at.astimezone(TZ).date()


def _moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _handler(inputs: Mapping[str, Any]) -> tuple[int, int]:
    """(organisation, grid worker) an order went to; a community handler is neither."""
    kind, _sep, ref = str(inputs.get("handler", "")).partition(":")
    if not ref.isdigit():
        return 0, 0
    if kind == "department":
        return int(ref), 0
    if kind == "worker":
        return 0, int(ref)
    return 0, 0


class _Tally:
    def __init__(self, case: Case) -> None:
        self.case = case
        self.out: Facts = {}

    def add(self, at: datetime, who: tuple[int, int], **counts: int) -> None:
        key = (day_of(at), self.case.region, self.case.category, who[0], who[1])
        row = self.out.get(key)
        if row is None:
            row = self.out[key] = [0] * len(COUNTERS)
        for name, value in counts.items():
            row[INDEX[name]] += int(value)


def facts(case: Case, entries: Iterable[Entry]) -> Facts:
    """The case's counts by day and by who answered for them (see docs/indicators.md)."""
    entries = sorted(entries, key=lambda e: e.id)
    tally = _Tally(case)
    nobody = (0, 0)
    tally.add(case.reported_at, (0, case.reporter_id or 0), reports=1)
    merge = next((e for e in entries if e.kind == TRANSITION and e.transition == "merge"), None)
    if merge is not None:
        # A duplicate is a report, not a case: nothing else of it counts.
        tally.add(merge.at, nobody, merged=1)
        return tally.out
    due: datetime | None = None
    registered = case_late = round_late = False
    handler = closer = nobody
    round_start: datetime | None = None
    level = 0
    for e in entries:
        if e.kind == CREATED:
            due = _moment(e.data.get("due_at"))
            continue
        if e.kind == DEADLINE:
            due = _moment(e.data.get("to"))
            continue
        if e.kind == EVENT:
            if e.transition == "evaluate":
                rating = e.data.get("satisfaction", "")
                tally.add(
                    e.at,
                    closer,
                    evaluated=1,
                    satisfied=rating == "satisfied",
                    basic=rating == "basic",
                )
            continue
        if e.kind != TRANSITION:
            continue
        name = e.transition
        inputs = e.data.get("inputs") or {}
        late = due is not None and e.at > due
        if late:
            case_late = True
            # The stage's owner answers for it: the handler while the order is with them.
            tally.add(e.at, handler if e.from_state in WITH_HANDLER else nobody, late=1)
        enters_register = name == "register" or (name == "escalate" and e.from_state == REPORTED)
        if enters_register and not registered:
            registered = True
            tally.add(e.at, nobody, registered=1)
        if name == "reject":
            tally.add(e.at, nobody, rejected=1)
        elif name == "escalate":
            tally.add(e.at, nobody, escalated=1)
            level = int(inputs.get("level", level + 1))
            handler = nobody
        elif name == "dispatch":
            handler = _handler(inputs)
            tally.add(e.at, handler, dispatched=1, dispatched_on_time=not late)
            round_late, round_start = False, e.at
        elif name == "return":
            tally.add(e.at, handler, returned=1)
            handler = nobody
        elif name == "accept":
            round_late = late
        elif name == "finish":
            seconds = (e.at - round_start).total_seconds() if round_start else 0
            tally.add(
                e.at,
                handler,
                handled=1,
                handled_on_time=not (late or round_late),
                handle_seconds=max(0, round(seconds)),
            )
        elif name == "rework":
            tally.add(e.at, handler, reworked=1)
            round_late, round_start = False, e.at
        elif name == "close":
            closer = handler
            tally.add(
                e.at,
                closer,
                closed=1,
                closed_on_time=not case_late,
                close_seconds=max(0, round((e.at - case.reported_at).total_seconds())),
                closed_town=level == 1,
                closed_county=level >= 2,
            )
        due = _moment(e.data.get("due_at"))
    return tally.out


def escalation(
    case: Case, *, at: datetime, from_state: str, due: datetime | None, handler: str
) -> Facts:
    """What one escalation adds at the end of a case's timeline, from what the case was just
    before it (its state, its stage's deadline, the handler it was with, as "kind:id") instead
    of its whole timeline: the deadline job escalates thousands of cases at once.

    The state before is rebuilt as the shortest timeline that leads to it, and `facts` counts
    the escalation on it, so the rules live in one place; only the escalation's own counts are
    kept (whatever the prefix counts is in both terms of the difference).
    """
    start = case.reported_at
    prefix = [Entry(1, start, CREATED, "", "", {"due_at": due if from_state == REPORTED else None})]
    if from_state != REPORTED:
        step = {"inputs": {"handler": handler}} if from_state in WITH_HANDLER else {}
        name = "dispatch" if from_state in WITH_HANDLER else "register"
        prefix.append(Entry(2, start, TRANSITION, name, REPORTED, {**step, "due_at": due}))
    escalate = Entry(3, at, TRANSITION, "escalate", from_state, {})
    return difference(facts(case, [*prefix, escalate]), facts(case, prefix))


def difference(after: Facts, before: Facts) -> Facts:
    """after − before, without the keys where nothing changed."""
    out: Facts = {}
    for key in after.keys() | before.keys():
        a = after.get(key)
        b = before.get(key)
        if a is None and b is not None:
            row = [-v for v in b]
        elif b is None and a is not None:
            row = list(a)
        elif a is not None and b is not None:
            row = [x - y for x, y in zip(a, b, strict=True)]
        else:  # pragma: no cover - a key comes from one of the two
            continue
        if any(row):
            out[key] = row
    return out
