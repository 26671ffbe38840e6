"""The incident loop as a declared workflow: report → register → dispatch → accept → handle →
verify → close, with reject, merge, rework, return and escalation."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.events import categories
from civicgrid.workflow import definitions
from civicgrid.workflow.definitions import State, Transition, Workflow

NAME = "incident"

REPORTED = "reported"
REGISTERED = "registered"
DISPATCHED = "dispatched"
HANDLING = "handling"
HANDLED = "handled"
CLOSED = "closed"
REJECTED = "rejected"
MERGED = "merged"

OPEN_STATES = (REPORTED, REGISTERED, DISPATCHED, HANDLING, HANDLED)
# Where an escalation may start from, and the states the handler's side works in.
ESCALABLE = (REPORTED, REGISTERED, DISPATCHED, HANDLING)
WITH_HANDLER = (DISPATCHED, HANDLING)

# Which category stage sets the deadline of each state.
STAGE_OF_STATE = {
    REPORTED: "register",
    REGISTERED: "dispatch",
    DISPATCHED: "accept",
    HANDLING: "handle",
    HANDLED: "verify",
}


def stage_hours(state: str, category: str, priority: int) -> float | None:
    stage = STAGE_OF_STATE.get(state)
    if stage is None:
        return None
    return categories.stage_hours(category, stage, priority)


INCIDENT = Workflow(
    name=NAME,
    states=(
        State(REPORTED, _("waiting to be registered")),
        State(REGISTERED, _("waiting for dispatch")),
        State(DISPATCHED, _("waiting for the handler to accept")),
        State(HANDLING, _("being handled")),
        State(HANDLED, _("waiting for verification")),
        State(CLOSED, _("closed"), terminal=True),
        State(REJECTED, _("not registered"), terminal=True),
        State(MERGED, _("merged into another case"), terminal=True),
    ),
    transitions=(
        Transition("register", _("register"), (REPORTED,), REGISTERED, Cap.EVENTS_TRIAGE),
        Transition(
            "reject", _("reject"), (REPORTED,), REJECTED, Cap.EVENTS_TRIAGE, requires=("reason",)
        ),
        Transition(
            "merge",
            _("merge"),
            (REPORTED, REGISTERED),
            MERGED,
            Cap.EVENTS_TRIAGE,
            requires=("into",),
        ),
        Transition(
            "dispatch",
            _("dispatch"),
            (REGISTERED,),
            DISPATCHED,
            Cap.EVENTS_TRIAGE,
            requires=("handler",),
        ),
        # Escalation sends the case to the next desk up, which must dispatch it afresh.
        Transition("escalate", _("escalate"), ESCALABLE, REGISTERED, Cap.EVENTS_TRIAGE),
        Transition(
            "return",
            _("send the order back"),
            (DISPATCHED,),
            REGISTERED,
            Cap.EVENTS_HANDLE,
            requires=("reason",),
        ),
        Transition("accept", _("accept the order"), (DISPATCHED,), HANDLING, Cap.EVENTS_HANDLE),
        Transition(
            "finish",
            _("report the result"),
            (HANDLING,),
            HANDLED,
            Cap.EVENTS_HANDLE,
            requires=("result",),
        ),
        Transition("close", _("verify and close"), (HANDLED,), CLOSED, Cap.EVENTS_VERIFY),
        Transition(
            "rework",
            _("send back for rework"),
            (HANDLED,),
            HANDLING,
            Cap.EVENTS_VERIFY,
            requires=("reason",),
        ),
    ),
    initial=REPORTED,
    stage_deadlines=stage_hours,
    assign_capability=Cap.EVENTS_TRIAGE,
    deadline_capability=Cap.EVENTS_TRIAGE,
    note_capability=Cap.EVENTS_VIEW,
    # Patrol problems are solved within 24 hours, nights and weekends included.
    calendar=None,
)


def register() -> None:
    definitions.register(INCIDENT, replace=True)
