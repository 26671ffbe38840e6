"""Declared workflows: states, transitions with their capability, inputs and guard; a registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

from civicgrid.workflow.deadlines import WorkCalendar

if TYPE_CHECKING:
    from civicgrid.workflow.models import Flow

Label = str | Promise
# Working hours for a stage, from (state, category, priority); None means no deadline.
DeadlinePolicy = Callable[[str, str, int], float | None]
# Or simply a table keyed by (state, priority) when the category does not matter.
DeadlineTable = Mapping[tuple[str, int], float]


@dataclass(frozen=True)
class GuardContext:
    """What a guard may look at: the case as it is, who acts, and what they supplied."""

    flow: Flow
    transition: Transition
    user: Any
    inputs: Mapping[str, Any]


Guard = Callable[[GuardContext], "str | Promise | None"]


@dataclass(frozen=True)
class State:
    name: str
    label: Label
    terminal: bool = False


@dataclass(frozen=True)
class Transition:
    """A declared move from any of `sources` to `target`, for users holding `capability`.

    `requires` names inputs that must be present and non-empty (a reason, photos ...);
    `guard` returns an error message when the move is not allowed now, else None;
    `stage_hours` overrides the workflow's deadline for the stage this move starts
    (e.g. rework gets a fixed 24 hours whatever the priority).
    """

    name: str
    label: Label
    sources: tuple[str, ...]
    target: str
    capability: str
    requires: tuple[str, ...] = ()
    guard: Guard | None = None
    stage_hours: float | None = None


@dataclass(frozen=True)
class Workflow:
    """One case type's states and transitions, validated when declared.

    `assign_capability`, `deadline_capability` and `note_capability` guard the actions that
    are not transitions (assign, set a deadline, comment or attach); there is no default, so
    every case type says who may do them.
    """

    name: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    initial: str
    stage_deadlines: DeadlinePolicy | DeadlineTable = field(default_factory=dict)
    _: KW_ONLY
    assign_capability: str
    deadline_capability: str
    note_capability: str
    calendar: WorkCalendar | None = None
    # A case is "due soon" once this share of its stage's time has passed.
    due_soon_fraction: float = 0.8

    def __post_init__(self) -> None:
        _validate(self)

    def state(self, name: str) -> State:
        return next(s for s in self.states if s.name == name)

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def is_terminal(self, state: str) -> bool:
        return self.state(state).terminal

    def stage_hours(self, state: str, category: str, priority: int) -> float | None:
        """Working hours allowed for a stage; None when the stage has no deadline."""
        if self.is_terminal(state):
            return None
        if callable(self.stage_deadlines):
            return self.stage_deadlines(state, category, priority)
        return self.stage_deadlines.get((state, priority))


def _validate(workflow: Workflow) -> None:
    names = [s.name for s in workflow.states]
    _no_duplicates(names, "state")
    _no_duplicates([t.name for t in workflow.transitions], "transition")
    known = set(names)
    if workflow.initial not in known:
        raise ValueError(f"initial state {workflow.initial!r} is not declared")
    if not 0 < workflow.due_soon_fraction <= 1:
        raise ValueError("due_soon_fraction must be in (0, 1]")
    for cap in (workflow.assign_capability, workflow.deadline_capability, workflow.note_capability):
        if not cap:
            raise ValueError("every action needs a capability")
    terminal = {s.name for s in workflow.states if s.terminal}
    for t in workflow.transitions:
        _validate_transition(t, known, terminal)
    if not callable(workflow.stage_deadlines):
        unknown = {state for state, _priority in workflow.stage_deadlines} - known
        if unknown:
            raise ValueError(f"stage deadlines for unknown states {sorted(unknown)}")
    _validate_graph(workflow, terminal)


def _no_duplicates(names: list[str], what: str) -> None:
    seen = {n for n in names if names.count(n) > 1}
    if seen:
        raise ValueError(f"duplicate {what} names: {sorted(seen)}")


def _validate_transition(t: Transition, known: set[str], terminal: set[str]) -> None:
    if not t.sources:
        raise ValueError(f"transition {t.name!r} has no source state")
    for state in (*t.sources, t.target):
        if state not in known:
            raise ValueError(f"transition {t.name!r} names unknown state {state!r}")
    if terminal & set(t.sources):
        raise ValueError(f"transition {t.name!r} leaves a terminal state")
    if not t.capability:
        raise ValueError(f"transition {t.name!r} has no capability")
    if t.stage_hours is not None and t.stage_hours < 0:
        raise ValueError(f"transition {t.name!r} has negative stage hours")


def _validate_graph(workflow: Workflow, terminal: set[str]) -> None:
    """Every state reachable from the initial one, and every state able to reach an end."""
    if not terminal:
        raise ValueError("a workflow needs at least one terminal state")
    reached = {workflow.initial}
    frontier = [workflow.initial]
    while frontier:
        state = frontier.pop()
        for t in workflow.transitions_from(state):
            if t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    unreachable = {s.name for s in workflow.states} - reached
    if unreachable:
        raise ValueError(f"states unreachable from {workflow.initial!r}: {sorted(unreachable)}")
    dead_ends = [
        s.name for s in workflow.states if not s.terminal and not workflow.transitions_from(s.name)
    ]
    if dead_ends:
        raise ValueError(f"non-terminal states with no way out: {dead_ends}")
    # A cycle with no exit would hold a case forever: every state must lead to an end.
    ending = set(terminal)
    grew = True
    while grew:
        before = len(ending)
        ending |= {src for t in workflow.transitions if t.target in ending for src in t.sources}
        grew = len(ending) > before
    trapped = sorted({s.name for s in workflow.states} - ending)
    if trapped:
        raise ValueError(f"states that cannot reach a terminal state: {trapped}")


_REGISTRY: dict[str, Workflow] = {}


def register(workflow: Workflow, *, replace: bool = False) -> Workflow:
    """Make a workflow known by its name (domain apps call this from AppConfig.ready)."""
    existing = _REGISTRY.get(workflow.name)
    if existing is not None and existing is not workflow and not replace:
        raise ValueError(f"workflow {workflow.name!r} is already registered")
    _REGISTRY[workflow.name] = workflow
    return workflow


def get(name: str) -> Workflow:
    """The registered workflow of that name; LookupError if none."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"no workflow named {name!r}") from None
