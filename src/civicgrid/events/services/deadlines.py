"""The periodic deadline job: mark overdue, warn before, escalate after, chase departments.

Everything is done in batches, a few statements each: one transaction per batch locks its
cases (PostgreSQL skips cases that a request or another run holds at that moment: they are
looked at again on the next run), marks them, escalates them together and tells people in one
INSERT. Each case is warned once per stage and acted on once per stage when overdue (markers
on the incident), however often and however many copies of the job run. The batches of one
run go side by side on `EVENTS_DEADLINE_CONNECTIONS` connections (PostgreSQL).
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.models import User
from civicgrid.core.actor import SYSTEM
from civicgrid.events import loop
from civicgrid.events.models import Incident, Summons
from civicgrid.events.services.common import desk_staff_many, message
from civicgrid.events.services.escalation import escalate_overdue
from civicgrid.notifications import services as notifications
from civicgrid.workflow import services as flows
from civicgrid.workflow.models import Flow

# Cases handled per batch (one transaction each).
BATCH = 500
# A run takes no new batch after this many seconds: a backlog after downtime is worked off
# over a few runs instead of holding one run (and its locks) for long.
TIME_BUDGET = 45.0


@dataclass(frozen=True)
class DeadlineReport:
    marked_overdue: int
    warned: int
    escalated: int
    overdue_notified: int
    summonses_overdue: int


def _open_incidents() -> QuerySet[Incident]:
    return Incident.all_objects.filter(flow__workflow=loop.NAME, flow__state__in=loop.OPEN_STATES)


def _due_soon(now: datetime) -> QuerySet[Incident]:
    return (
        _open_incidents()
        .filter(flow__overdue=False, flow__due_soon_at__lte=now)
        .exclude(warned_for_stage=F("flow__stage_started_at"))
    )


def _overdue(now: datetime) -> QuerySet[Incident]:
    """Cases past their stage deadline not yet acted on, whether the sweep marked them overdue
    yet or not (the job acts on them before it sweeps)."""
    past_due = Q(flow__overdue=True) | Q(flow__overdue=False, flow__due_at__lte=now)
    return _open_incidents().filter(past_due).exclude(overdue_for_stage=F("flow__stage_started_at"))


# What the job reads of a case: who to tell, and what escalation and the listeners of
# `cases_changed` need (not the description): a field left out is read one query per case.
_BATCH_FIELDS = (
    "number", "region", "desk", "level", "reporter", "category", "reported_at",
    "handler_kind", "handler_user",
    "handler_org", "handler_region", "flow__workflow", "flow__state", "flow__version",
    "flow__region", "flow__category", "flow__priority", "flow__stage_started_at",
    "warned_for_stage", "overdue_for_stage", "flow__due_at", "flow__due_soon_at",
    "flow__overdue",
)  # fmt: skip


def _lock_batch(
    ids: list[int], still: Callable[[Incident], bool], *, flows: bool
) -> list[Incident]:
    """The cases of `ids` with their flows, locked (the flows too if `flows`), that `still`
    holds for under the lock.

    Rows that others hold are skipped (the next run looks at them). The conditions are checked
    here rather than in SQL so that the lookup is by primary key whatever the planner believes
    about the flows just marked overdue (their statistics lag behind the sweep).
    """
    locked = (
        Incident.all_objects.filter(pk__in=ids)
        .select_related("flow")
        .only(*_BATCH_FIELDS)
        .select_for_update(skip_locked=True, of=("self", "flow") if flows else ("self",))
        .order_by("pk")
    )
    return [incident for incident in locked if still(incident)]


def _is_open(incident: Incident) -> bool:
    return incident.flow.workflow == loop.NAME and incident.flow.state in loop.OPEN_STATES


def _still_due_soon(now: datetime) -> Callable[[Incident], bool]:
    def still(incident: Incident) -> bool:
        flow = incident.flow
        return (
            _is_open(incident)
            and not flow.overdue
            and flow.due_soon_at is not None
            and flow.due_soon_at <= now
            and incident.warned_for_stage != flow.stage_started_at
        )

    return still


def _still_overdue(now: datetime) -> Callable[[Incident], bool]:
    def still(incident: Incident) -> bool:
        flow = incident.flow
        past_due = flow.overdue or (flow.due_at is not None and flow.due_at <= now)
        return (
            _is_open(incident) and past_due and incident.overdue_for_stage != flow.stage_started_at
        )

    return still


def _in_batches(candidates: QuerySet[Incident], until: float) -> Iterator[list[int]]:
    """The candidates' ids, most urgent first, a batch at a time while time is left.

    They are found once per run: one scan of the due cases, not one per batch (the cases
    already warned stay in that range until their stage ends, and would be read again).
    """
    ids = list(candidates.order_by("flow__due_at", "pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        if time.monotonic() >= until:
            return
        yield ids[start : start + BATCH]


class _Recipients:
    """Whoever each case's current stage waits for, loaded for a whole batch in three queries:
    the handler while it is with them, the reporter while it waits for verification, else the
    desk."""

    def __init__(self, incidents: list[Incident]) -> None:
        with_handler = [i for i in incidents if i.flow.state in loop.WITH_HANDLER]
        user_ids = {i.handler_user_id for i in with_handler if i.handler_user_id}
        user_ids |= {
            i.reporter_id for i in incidents if i.flow.state == loop.HANDLED and i.reporter_id
        }
        self.users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
        org_ids = {i.handler_org_id for i in with_handler if i.handler_org_id}
        self.members: dict[int, list[Any]] = {pk: [] for pk in org_ids}
        for member in User.objects.filter(organisation_id__in=org_ids, is_active=True):
            self.members[member.organisation_id].append(member)  # type: ignore[index]
        desks = {i.desk_id for i in incidents} | {
            i.handler_region_id for i in with_handler if i.handler_region_id
        }
        self.staff = desk_staff_many(desks)

    def of(self, incident: Incident) -> list[Any]:
        if incident.flow.state in loop.WITH_HANDLER:
            if incident.handler_user_id is not None:
                return [self.users[incident.handler_user_id]]
            if incident.handler_org_id is not None:
                return self.members[incident.handler_org_id]
            if incident.handler_region_id:
                return self.staff[incident.handler_region_id]
            return []
        if incident.flow.state == loop.HANDLED:
            user = self.users.get(incident.reporter_id or 0)
            return [user] if user is not None else []
        return self.staff[incident.desk_id]


def _mark_and_tell(
    incidents: list[Incident], marker: str, code: str, title: notifications.Text
) -> int:
    """Set the stage marker of each case to its current stage, and tell whoever it waits for
    about the cases still in the stage read; returns how many were told.

    The incidents are locked, so no other run marks them meanwhile. Their flows need not be:
    warnings leave them be, as locking a flow writes its page (for the 20,000 warnings of a
    county's worst minute, about a tenth of the job). A case whose stage changed since it was
    read gets its marker back, so the new stage is warned about in its own time.
    """
    pks = [i.pk for i in incidents]
    stage = Flow.all_objects.filter(pk=OuterRef("flow_id")).order_by().values("stage_started_at")
    Incident.all_objects.filter(pk__in=pks).update(**{marker: Subquery(stage)})
    marked = dict(Incident.all_objects.filter(pk__in=pks).values_list("pk", marker))
    told: list[Incident] = []
    moved_on: list[Incident] = []
    for incident in incidents:
        same = marked[incident.pk] == incident.flow.stage_started_at
        (told if same else moved_on).append(incident)
    for incident in moved_on:  # rare: a step taken between the read and the marking
        Incident.all_objects.filter(pk=incident.pk).update(**{marker: getattr(incident, marker)})
    recipients = _Recipients(told)
    notifications.notify_many(
        message(recipients.of(incident), incident, code, title) for incident in told
    )
    return len(told)


def _warn_batch(now: datetime, ids: list[int]) -> int:
    with transaction.atomic():
        batch = _lock_batch(ids, _still_due_soon(now), flows=False)
        return _mark_and_tell(batch, "warned_for_stage", "events.due_soon", _("due soon"))


def _overdue_batch(now: datetime, ids: list[int]) -> tuple[int, int]:
    """(escalated, told they are overdue)."""
    auto = getattr(settings, "EVENTS_AUTO_ESCALATE", True)
    with transaction.atomic():
        batch = _lock_batch(ids, _still_overdue(now), flows=True)
        escalable = [
            i
            for i in batch
            if auto and i.flow.state in loop.ESCALABLE and i.level < Incident.Level.COUNTY
        ]
        escalated = escalate_overdue(incidents=escalable, by=SYSTEM, now=now)
        # A case that should have gone up but could not had moved on meanwhile: the next run
        # reads it afresh. Everything else is told once that it is overdue.
        left = {i.pk for i in escalable}
        rest = [i for i in batch if i.pk not in left]
        told = _mark_and_tell(rest, "overdue_for_stage", "events.overdue", _("overdue"))
    return len(escalated), told


def _chase(now: datetime, until: float) -> int:
    """Summoned departments late to report for duty (few: a batch or two)."""
    chased = 0
    while time.monotonic() < until:
        count = _chase_batch(now)
        chased += count
        if count < BATCH:
            break
    return chased


def _chase_batch(now: datetime) -> int:
    with transaction.atomic():
        late = list(
            Summons.objects.select_related("whistle__incident", "organisation")
            .filter(acknowledged_at__isnull=True, overdue=False, due_at__lte=now)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("due_at", "pk")[:BATCH]
        )
        Summons.objects.filter(pk__in=[s.pk for s in late]).update(overdue=True)
        org_ids = {s.organisation_id for s in late}
        members: dict[int, list[Any]] = {pk: [] for pk in org_ids}
        for member in User.objects.filter(organisation_id__in=org_ids, is_active=True):
            members[member.organisation_id].append(member)  # type: ignore[index]
        staff = desk_staff_many(s.whistle.desk_id for s in late)
        notifications.notify_many(
            message(
                [*members[s.organisation_id], *staff[s.whistle.desk_id]],
                s.whistle.incident,
                "events.summons_overdue",
                notifications.later(
                    _("%(department)s has not reported for duty"), department=s.organisation
                ),
            )
            for s in late
        )
    return len(late)


def _connections() -> int:
    """How many connections work the batches off at once.

    The batches are disjoint and each locks its own rows, so they can run side by side: while
    one connection waits for the database, another builds its next batch in Python, and the
    database's work spreads over its cores. Other connections cannot see a transaction the
    caller holds open, nor does SQLite write in parallel: then one connection does it all.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, settings.EVENTS_DEADLINE_CONNECTIONS)


def _work_off(batches: Iterable[list[int]], work: Callable[[list[int]], Any]) -> list[Any]:
    """`work` on every batch, on `_connections()` connections; the results in any order."""
    count = _connections()
    if count == 1:
        return [work(ids) for ids in batches]
    pending = iter(batches)
    taking = threading.Lock()
    context = contextvars.copy_context()  # who is acting, for the timelines

    def drain() -> list[Any]:
        done: list[Any] = []
        try:
            while True:
                with taking:
                    ids = next(pending, None)
                if ids is None:
                    return done
                done.append(work(ids))
        finally:
            connections.close_all()  # this thread's own connections

    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="deadlines") as pool:
        futures = [pool.submit(context.copy().run, drain) for _ in range(count)]
        return [result for future in futures for result in future.result()]


def run_deadlines(*, now: datetime | None = None) -> DeadlineReport:
    """One pass of the deadline job; safe to run as often as wanted, and in parallel."""
    now = now or timezone.now()
    until = time.monotonic() + TIME_BUDGET
    # Overdue cases first: when time runs short, acting on them matters most. They are acted
    # on before the sweep marks anything overdue: a case that goes up a level starts a new stage
    # at once, and marking it first would only be undone (one more write of each of its rows).
    overdue = _work_off(_in_batches(_overdue(now), until), lambda ids: _overdue_batch(now, ids))
    swept = flows.sweep_deadlines(now=now)
    escalated = sum(went_up for went_up, _told in overdue)
    notified = sum(told for _went_up, told in overdue)
    chased = _chase(now, until)
    warned = sum(_work_off(_in_batches(_due_soon(now), until), lambda ids: _warn_batch(now, ids)))
    return DeadlineReport(
        marked_overdue=swept.marked_overdue,
        warned=warned,
        escalated=escalated,
        overdue_notified=notified,
        summonses_overdue=chased,
    )
