"""The dispute case as a declared workflow: registered → routed → mediating → following up →
closed, with no agreement (to another channel), withdrawal and reopening.

The flow's priority is the colour's index (0 blue … 3 red); the active rule set says how long
each colour may take to be routed and resolved and how often it is followed up.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.disputes import rules
from civicgrid.disputes.models import COLOURS
from civicgrid.workflow import definitions
from civicgrid.workflow.definitions import State, Transition, Workflow

NAME = "dispute"

REGISTERED = "registered"
ROUTED = "routed"
MEDIATING = "mediating"
FOLLOWING_UP = "following_up"
CLOSED = "closed"
REFERRED = "referred"
WITHDRAWN = "withdrawn"

OPEN_STATES = (REGISTERED, ROUTED, MEDIATING)
# Resolved: mediation reached an agreement (being followed up, or closed after it).
RESOLVED_STATES = (FOLLOWING_UP, CLOSED)
ENDED_STATES = (CLOSED, REFERRED, WITHDRAWN)


def stage_hours(state: str, category: str, priority: int) -> float | None:
    """Hours the stage may take for a dispute of colour index `priority`."""
    settings = rules.active().rules.colour(COLOURS[max(0, min(priority, 3))])
    if state in (REGISTERED, ROUTED):
        return settings.route_hours
    if state == MEDIATING:
        return settings.days * 24.0
    if state == FOLLOWING_UP:
        return settings.follow_up_days * 24.0 * max(settings.follow_ups, 1)
    return None  # closed: nothing is due until it is reopened


DISPUTE = Workflow(
    name=NAME,
    states=(
        State(REGISTERED, _("waiting to be routed")),
        State(ROUTED, _("waiting for a mediator")),
        State(MEDIATING, _("being mediated")),
        State(FOLLOWING_UP, _("agreement being followed up")),
        # Not terminal: a case closed after its follow-ups is reopened if performance fails.
        State(CLOSED, _("closed")),
        State(REFERRED, _("no agreement: referred to another channel"), terminal=True),
        State(WITHDRAWN, _("withdrawn"), terminal=True),
    ),
    transitions=(
        Transition(
            "route",
            _("route to an organisation"),
            (REGISTERED, ROUTED, MEDIATING),
            ROUTED,
            Cap.DISPUTES_ROUTE,
            requires=("organisation",),
        ),
        # Who may assign is checked by the service: the desk, or the organisation's mediator.
        Transition(
            "assign",
            _("assign a mediator"),
            (ROUTED, MEDIATING),
            MEDIATING,
            Cap.DISPUTES_VIEW,
            requires=("mediator",),
        ),
        Transition(
            "agree", _("record an agreement"), (MEDIATING,), FOLLOWING_UP, Cap.DISPUTES_MEDIATE
        ),
        Transition(
            "fail",
            _("record no agreement"),
            (MEDIATING,),
            REFERRED,
            Cap.DISPUTES_MEDIATE,
            requires=("next_channel",),
        ),
        Transition(
            "withdraw",
            _("record a withdrawal"),
            (REGISTERED, ROUTED, MEDIATING),
            WITHDRAWN,
            Cap.DISPUTES_VIEW,
        ),
        Transition("close", _("close the case"), (FOLLOWING_UP,), CLOSED, Cap.DISPUTES_VIEW),
        Transition(
            "reopen",
            _("reopen: the agreement is not performed"),
            (FOLLOWING_UP, CLOSED),
            MEDIATING,
            Cap.DISPUTES_VIEW,
            requires=("reason",),
        ),
    ),
    initial=REGISTERED,
    stage_deadlines=stage_hours,
    assign_capability=Cap.DISPUTES_ROUTE,
    deadline_capability=Cap.DISPUTES_ROUTE,
    note_capability=Cap.DISPUTES_VIEW,
    # Disputes count calendar days, as the rules say them.
    calendar=None,
)


def register() -> None:
    definitions.register(DISPUTE, replace=True)
