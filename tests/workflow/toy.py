"""A toy case type for the engine's tests: report → registered → dispatched → handled → closed."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from civicgrid.workflow import definitions
from civicgrid.workflow.deadlines import WorkCalendar
from civicgrid.workflow.definitions import GuardContext, State, Transition, Workflow

STAFF = "people.confirm_change"  # community staff hold it; grid workers do not
ANYONE = "regions.view"  # every role holds it

# 2026: National Day week off, two weekend make-up days (调休).
CALENDAR = WorkCalendar.office_hours(
    holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
    makeup_days=frozenset({date(2026, 9, 27), date(2026, 10, 10)}),
)


def called_back(ctx: GuardContext) -> str | None:
    if ctx.inputs.get("resident_called") is not True:
        return "Call the resident back before closing."
    return None


def toy_workflow(name: str = "toy", calendar: WorkCalendar | None = CALENDAR) -> Workflow:
    return Workflow(
        name=name,
        states=(
            State("report", _("reported")),
            State("registered", _("registered")),
            State("dispatched", _("dispatched")),
            State("handled", _("handled")),
            State("closed", _("closed"), terminal=True),
            State("rejected", _("rejected"), terminal=True),
        ),
        transitions=(
            Transition("register", _("register"), ("report",), "registered", ANYONE),
            Transition(
                "reject", _("reject"), ("report", "registered"), "rejected", STAFF, ("reason",)
            ),
            Transition("dispatch", _("dispatch"), ("registered",), "dispatched", STAFF),
            Transition("finish", _("finish"), ("dispatched",), "handled", ANYONE, ("photos",)),
            Transition("rework", _("send back"), ("handled",), "dispatched", STAFF, stage_hours=24),
            Transition("close", _("close"), ("handled",), "closed", STAFF, guard=called_back),
        ),
        initial="report",
        # Urgent cases (priority 1) get a much shorter stage than ordinary ones (0).
        stage_deadlines={
            ("report", 0): 4,
            ("report", 1): 1,
            ("registered", 0): 8,
            ("registered", 1): 2,
            ("dispatched", 0): 40,
            ("dispatched", 1): 8,
            ("handled", 0): 16,
            ("handled", 1): 16,
        },
        assign_capability=STAFF,
        deadline_capability=STAFF,
        note_capability=ANYONE,
        calendar=calendar,
    )


TOY = definitions.register(toy_workflow(), replace=True)
# The same case type round the clock, for the sweep (plain timedelta deadlines).
TOY_CLOCK = definitions.register(toy_workflow("toy_clock", calendar=None), replace=True)
