"""Writes of the case engine: start a flow, take a transition, assign, comment, attach, sweep."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicgrid.core.actor import current_actor
from civicgrid.core.bulk import copy_rows
from civicgrid.core.errors import Conflict, DomainError, NotFound
from civicgrid.core.permissions import require
from civicgrid.core.scoping import is_within
from civicgrid.core.text import refuse_control_characters
from civicgrid.regions.models import Region
from civicgrid.workflow import definitions
from civicgrid.workflow.deadlines import add_working_hours
from civicgrid.workflow.definitions import GuardContext, Transition, Workflow
from civicgrid.workflow.models import Flow, TimelineEntry

Kind = TimelineEntry.Kind


@dataclass(frozen=True)
class SweepResult:
    """What one deadline sweep found: flows it newly marked overdue, and flows now due soon."""

    marked_overdue: int
    due_soon: int
    at: datetime


# --- checks -----------------------------------------------------------------------------------


def _workflow(name: str) -> Workflow:
    try:
        return definitions.get(name)
    except LookupError:
        raise DomainError(
            "workflow.unknown_workflow", _("There is no case type %(name)s.") % {"name": name}
        ) from None


def _in_scope(region_code: str, by: Any) -> None:
    """404 for a case outside the actor's area; system work (`by=None`) is not area-bound."""
    if not is_within(region_code, by):
        raise NotFound("workflow.not_found", _("There is no such case in your area."))


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset | dict):
        return not value
    return False


def _check_inputs(step: Transition, inputs: Mapping[str, Any]) -> None:
    for name in step.requires:
        if _is_empty(inputs.get(name)):
            raise DomainError(
                "workflow.missing_input",
                _("%(input)s is required to %(transition)s.")
                % {"input": name, "transition": step.label},
                input=name,
            )


def _check_guard(step: Transition, flow: Flow, by: Any, inputs: Mapping[str, Any]) -> None:
    if step.guard is None:
        return
    refusal = step.guard(GuardContext(flow=flow, transition=step, user=by, inputs=inputs))
    if refusal is not None:
        raise DomainError("workflow.guard_failed", refusal, transition=step.name)


def _not_terminal(workflow: Workflow, flow: Flow) -> None:
    if workflow.is_terminal(flow.state):
        raise Conflict("workflow.closed", _("This case is closed."), state=flow.state)


def _required_text(value: str, code: str, message: str | Promise) -> str:
    value = (value or "").strip()
    refuse_control_characters(value, code="workflow.bad_characters", field=_("text"))
    if not value:
        raise DomainError(code, message)
    return value


# --- writes -----------------------------------------------------------------------------------


def _stage_deadline(
    workflow: Workflow, flow: Flow, state: str, start: datetime, override: float | None = None
) -> tuple[datetime | None, datetime | None]:
    """(due_at, due_soon_at) for a stage in `state` that starts at `start`."""
    if workflow.is_terminal(state):
        return None, None
    hours = (
        override
        if override is not None
        else workflow.stage_hours(state, flow.category, flow.priority)
    )
    if hours is None:
        return None, None
    due_at = add_working_hours(start, hours, workflow.calendar)
    due_soon_at = add_working_hours(start, hours * workflow.due_soon_fraction, workflow.calendar)
    return due_at, due_soon_at


def _compare_and_set(flow: Flow, expected_version: int, now: datetime, **changes: Any) -> None:
    """One UPDATE that applies only if nobody changed the flow since `expected_version`."""
    changed = Flow.all_objects.filter(pk=flow.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=now, **changes
    )
    if changed != 1:
        raise Conflict(
            "workflow.stale_version",
            _("Someone else changed this case in the meantime. Reload it and try again."),
            expected_version=expected_version,
        )
    # The UPDATE matched, so the row now holds exactly these values: no need to read it back.
    for name, value in changes.items():
        setattr(flow, name, value)
    flow.version = expected_version + 1
    flow.updated_at = now


def _record(flow: Flow, kind: str, *, by: Any, at: datetime, **fields: Any) -> TimelineEntry:
    """Append one timeline entry; who and from where default to the current actor."""
    actor = current_actor()
    user = by if by is not None else actor.user
    label = user.get_username() if user is not None else actor.label
    return TimelineEntry.objects.create(
        flow=flow,
        kind=kind,
        at=at,
        actor_id=user.pk if isinstance(user, models.Model) else None,
        actor_label=label[:150],
        source_ip=actor.source_ip,
        **fields,
    )


def _subject_of(subject: models.Model | None) -> dict[str, Any]:
    if subject is None:
        return {}
    return {
        "content_type": ContentType.objects.get_for_model(subject),
        "object_id": str(subject.pk),
    }


def start_flow(
    *,
    workflow: str,
    region_code: str,
    by: Any,
    category: str = "",
    priority: int = 0,
    subject: models.Model | None = None,
    now: datetime | None = None,
) -> Flow:
    """A new case in the workflow's initial state, with the first stage's deadline."""
    declared = _workflow(workflow)
    _in_scope(region_code, by)
    if not Region.all_objects.filter(code=region_code).exists():
        raise DomainError(
            "workflow.unknown_region", _("There is no area %(code)s.") % {"code": region_code}
        )
    now = now or timezone.now()
    flow = Flow(
        workflow=workflow,
        state=declared.initial,
        region_id=region_code,
        category=category,
        priority=priority,
        stage_started_at=now,
        created_at=now,
        updated_at=now,
        **_subject_of(subject),
    )
    flow.due_at, flow.due_soon_at = _stage_deadline(declared, flow, declared.initial, now)
    # Every check above only reads, so the writes need no savepoint of their own inside a
    # caller's transaction (intake starts a flow on every report: each savepoint is a round
    # trip). The one expected failure, a subject that has its flow already, gets a savepoint,
    # and its Conflict is raised outside the block so that the caller's transaction lives on.
    clash = False
    with transaction.atomic(savepoint=False):
        if subject is None:
            flow.save(force_insert=True)
        else:
            try:
                with transaction.atomic():
                    flow.save(force_insert=True)
            except IntegrityError:
                clash = True
        if not clash:
            _record(
                flow,
                Kind.CREATED,
                by=by,
                at=now,
                to_state=flow.state,
                data={"category": category, "priority": priority, "due_at": flow.due_at},
            )
    if clash:
        raise Conflict("workflow.subject_has_flow", _("This case is already running."))
    return flow


@transaction.atomic
def transition(
    *,
    flow: Flow,
    name: str,
    by: Any,
    expected_version: int,
    inputs: Mapping[str, Any] | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Flow:
    """Take a declared transition, or change nothing and raise a DomainError.

    `inputs` must be JSON-serialisable: they are kept in the timeline.
    """
    declared = _workflow(flow.workflow)
    _in_scope(flow.region_id, by)
    step = declared.transition(name)
    if step is None:
        raise DomainError(
            "workflow.unknown_transition",
            _("%(name)s is not a step of this case type.") % {"name": name},
            transition=name,
        )
    if flow.state not in step.sources:
        raise Conflict(
            "workflow.not_allowed_from_state",
            _("%(transition)s is not possible while the case is %(state)s.")
            % {"transition": step.label, "state": declared.state(flow.state).label},
            transition=name,
            state=flow.state,
        )
    require(by, step.capability)
    inputs = dict(inputs or {})
    _check_inputs(step, inputs)
    _check_guard(step, flow, by, inputs)
    now = now or timezone.now()
    from_state = flow.state
    due_at, due_soon_at = _stage_deadline(declared, flow, step.target, now, step.stage_hours)
    _compare_and_set(
        flow,
        expected_version,
        now,
        state=step.target,
        stage_started_at=now,
        due_at=due_at,
        due_soon_at=due_soon_at,
        overdue=False,
    )
    _record(
        flow,
        Kind.TRANSITION,
        by=by,
        at=now,
        transition=name,
        from_state=from_state,
        to_state=step.target,
        note=note,
        data={"inputs": inputs, "due_at": due_at},
    )
    return flow


@transaction.atomic
def transition_many(
    *,
    moves: Sequence[tuple[Flow, int, Mapping[str, Any]]],
    name: str,
    by: Any,
    note: str = "",
    now: datetime | None = None,
) -> list[Flow]:
    """The same transition for many flows at once (system jobs), in a few statements.

    `moves` are (flow, expected version, inputs). Flows that moved on meanwhile (another
    version or state) are skipped, not refused: the list returned holds the flows taken,
    updated in place. The rows are locked first, so on PostgreSQL a flow being changed by
    someone else at this moment is skipped too (it is looked at again on the next run).
    """
    if not moves:
        return []
    first = _workflow(moves[0][0].workflow).transition(name)
    if first is None:
        raise DomainError(
            "workflow.unknown_transition",
            _("%(name)s is not a step of this case type.") % {"name": name},
            transition=name,
        )
    require(by, first.capability)
    now = now or timezone.now()
    current = dict(
        Flow.all_objects.select_for_update(skip_locked=True)
        .filter(pk__in=[flow.pk for flow, _v, _i in moves])
        .values_list("pk", "version")
    )
    taken: list[tuple[Flow, str, dict[str, Any]]] = []
    for flow, expected_version, inputs in moves:
        declared = _workflow(flow.workflow)
        step = declared.transition(name)
        if step is None or current.get(flow.pk) != expected_version:
            continue
        if flow.state not in step.sources or not is_within(flow.region_id, by):
            continue
        try:
            _check_inputs(step, inputs)
            _check_guard(step, flow, by, inputs)
        except DomainError:
            continue
        from_state = flow.state
        flow.due_at, flow.due_soon_at = _stage_deadline(
            declared, flow, step.target, now, step.stage_hours
        )
        flow.state, flow.stage_started_at, flow.overdue = step.target, now, False
        flow.version, flow.updated_at = expected_version + 1, now
        taken.append((flow, from_state, dict(inputs)))
    flows = [flow for flow, _f, _i in taken]
    # One UPDATE per distinct outcome (flows of one category and priority share it), not a
    # CASE per row: the rows are locked, so their versions are the ones just read.
    outcomes: dict[tuple[str, datetime | None, datetime | None], list[int]] = {}
    for flow in flows:
        outcomes.setdefault((flow.state, flow.due_at, flow.due_soon_at), []).append(flow.pk)
    for (state, due_at, due_soon_at), pks in outcomes.items():
        Flow.all_objects.filter(pk__in=pks).update(
            state=state,
            version=F("version") + 1,
            stage_started_at=now,
            due_at=due_at,
            due_soon_at=due_soon_at,
            overdue=False,
            updated_at=now,
        )
    actor = current_actor()
    user = by if by is not None else actor.user
    label = (user.get_username() if user is not None else actor.label)[:150]
    actor_id = user.pk if isinstance(user, models.Model) else None
    copy_rows(
        TimelineEntry,
        _TIMELINE_FIELDS,
        [
            (flow.pk, Kind.TRANSITION.value, now, actor_id, label, actor.source_ip, name,
             from_state, flow.state, note, {"inputs": inputs, "due_at": flow.due_at})
            for flow, from_state, inputs in taken
        ],
    )  # fmt: skip
    return flows


# A timeline entry's values, in the order `transition_many` gives them.
_TIMELINE_FIELDS = (
    "flow_id", "kind", "at", "actor_id", "actor_label", "source_ip", "transition",
    "from_state", "to_state", "note", "data",
)  # fmt: skip


@transaction.atomic
def assign(
    *,
    flow: Flow,
    assignee: str,
    assignee_label: str,
    by: Any,
    expected_version: int,
    note: str = "",
    now: datetime | None = None,
) -> Flow:
    """Record who handles the case now (`assignee` is the domain's reference, e.g. "org:3")."""
    declared = _workflow(flow.workflow)
    _in_scope(flow.region_id, by)
    require(by, declared.assign_capability)
    _not_terminal(declared, flow)
    assignee = _required_text(assignee, "workflow.missing_assignee", _("Say who handles it."))
    now = now or timezone.now()
    _compare_and_set(flow, expected_version, now)
    _record(
        flow,
        Kind.ASSIGNMENT,
        by=by,
        at=now,
        note=note,
        data={"assignee": assignee, "assignee_label": assignee_label},
    )
    return flow


@transaction.atomic
def set_deadline(
    *,
    flow: Flow,
    due_at: datetime,
    reason: str,
    by: Any,
    expected_version: int,
    now: datetime | None = None,
) -> Flow:
    """Move the current stage's deadline (an extension, or a tighter one), with a reason."""
    declared = _workflow(flow.workflow)
    _in_scope(flow.region_id, by)
    require(by, declared.deadline_capability)
    _not_terminal(declared, flow)
    reason = _required_text(reason, "workflow.reason_required", _("Say why the deadline moves."))
    if due_at.tzinfo is None:
        raise DomainError("workflow.bad_deadline", _("The deadline needs a time zone."))
    now = now or timezone.now()
    previous = flow.due_at
    # Wall-clock share of the stage: close enough for a warning, and needs no calendar.
    due_soon_at = max(
        flow.stage_started_at,
        flow.stage_started_at + (due_at - flow.stage_started_at) * declared.due_soon_fraction,
    )
    _compare_and_set(
        flow, expected_version, now, due_at=due_at, due_soon_at=due_soon_at, overdue=due_at <= now
    )
    _record(
        flow,
        Kind.DEADLINE,
        by=by,
        at=now,
        note=reason,
        data={"from": previous, "to": due_at},
    )
    return flow


@transaction.atomic
def reprioritise(
    *,
    flow: Flow,
    priority: int,
    reason: str,
    by: Any,
    expected_version: int,
    now: datetime | None = None,
) -> Flow:
    """Change a case's priority (a dispute re-graded …) and with it the current stage's
    deadline, counted from the stage's start as the workflow's policy says for the new
    priority. The domain has checked who may do it; the timeline keeps the reason."""
    declared = _workflow(flow.workflow)
    _in_scope(flow.region_id, by)
    _not_terminal(declared, flow)
    reason = _required_text(reason, "workflow.reason_required", _("Say why the priority moves."))
    now = now or timezone.now()
    previous = (flow.priority, flow.due_at)
    # The policy reads the flow's priority: ask it with the new one, then put the old one back
    # until the update below has applied.
    flow.priority = priority
    due_at, due_soon_at = _stage_deadline(declared, flow, flow.state, flow.stage_started_at)
    flow.priority = previous[0]
    _compare_and_set(
        flow,
        expected_version,
        now,
        priority=priority,
        due_at=due_at,
        due_soon_at=due_soon_at,
        overdue=due_at is not None and due_at <= now,
    )
    _record(
        flow,
        Kind.DEADLINE,
        by=by,
        at=now,
        note=reason,
        data={"priority": [previous[0], priority], "from": previous[1], "to": due_at},
    )
    return flow


@transaction.atomic
def comment(*, flow: Flow, text: str, by: Any, now: datetime | None = None) -> TimelineEntry:
    """A remark on the case's timeline; it does not change the case, so no version is needed."""
    declared = _workflow(flow.workflow)
    _in_scope(flow.region_id, by)
    require(by, declared.note_capability)
    text = _required_text(text, "workflow.empty_comment", _("Write something first."))
    return _record(flow, Kind.COMMENT, by=by, at=now or timezone.now(), note=text)


@transaction.atomic
def attach(
    *, flow: Flow, name: str, ref: str, by: Any, note: str = "", now: datetime | None = None
) -> TimelineEntry:
    """Note that a file (stored elsewhere under `ref`) was added to the case."""
    declared = _workflow(flow.workflow)
    _in_scope(flow.region_id, by)
    require(by, declared.note_capability)
    ref = _required_text(ref, "workflow.missing_attachment", _("Choose a file to attach."))
    return _record(
        flow,
        Kind.ATTACHMENT,
        by=by,
        at=now or timezone.now(),
        note=note,
        data={"name": name, "ref": ref},
    )


@transaction.atomic
def record_event(
    *,
    flow: Flow,
    action: str,
    by: Any,
    note: str = "",
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> TimelineEntry:
    """Put a domain action that is not a transition on the timeline (the domain has checked
    who may take it). With `expected_version` the case's version is bumped too, so the action
    conflicts with concurrent changes the way a transition does. The action code is kept in the
    entry's `transition` column, so timelines list transitions and actions alike."""
    _in_scope(flow.region_id, by)
    now = now or timezone.now()
    if expected_version is not None:
        _compare_and_set(flow, expected_version, now)
    return _record(
        flow, Kind.EVENT, by=by, at=now, transition=action, note=note, data=dict(data or {})
    )


def available_transitions(flow: Flow, user: Any) -> list[Transition]:
    """The transitions a page may offer this user now (guards run only when one is taken)."""
    offered = []
    for step in _workflow(flow.workflow).transitions_from(flow.state):
        try:
            require(user, step.capability)
        except PermissionDenied:
            continue
        offered.append(step)
    return offered


def sweep_deadlines(*, now: datetime | None = None) -> SweepResult:
    """Mark overdue flows and count due-soon ones: two set-based statements, no row loop.

    Terminal flows carry no deadline, so the indexes on (overdue, due_at) and
    (overdue, due_soon_at) hold everything the sweep needs. The version is not bumped:
    passing a deadline is not an operator's change and must not void their open forms.
    """
    now = now or timezone.now()
    marked = Flow.all_objects.filter(overdue=False, due_at__lte=now).update(overdue=True)
    due_soon = Flow.all_objects.filter(overdue=False, due_soon_at__lte=now).count()
    return SweepResult(marked_overdue=marked, due_soon=due_soon, at=now)
