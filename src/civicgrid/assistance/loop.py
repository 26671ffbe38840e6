"""The approval path as a declared workflow: community intake → home visit → town review →
public notice (7 days, objections) → county approval, 30 working days in all."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.workflow import definitions
from civicgrid.workflow.deadlines import WorkCalendar
from civicgrid.workflow.definitions import State, Transition, Workflow

NAME = "assistance"

RECEIVED = "received"
HOME_VISIT = "home_visit"
TOWN_REVIEW = "town_review"
NOTICE = "notice"
COUNTY_APPROVAL = "county_approval"
APPROVED = "approved"
REFUSED = "refused"
WITHDRAWN = "withdrawn"

OPEN_STATES = (RECEIVED, HOME_VISIT, TOWN_REVIEW, NOTICE, COUNTY_APPROVAL)
HOURS_PER_DAY = 7.5  # government office hours: 08:30–12:00 and 13:30–17:30
TOTAL_WORKING_DAYS = 30
# Working days per stage; they add up to the 30 working days the whole path may take.
STAGE_DAYS = {RECEIVED: 2, HOME_VISIT: 10, TOWN_REVIEW: 8, NOTICE: 6, COUNTY_APPROVAL: 4}
NOTICE_DAYS = 7  # calendar days the notice stays up before the county may decide


def stage_hours(state: str, category: str, priority: int) -> float | None:
    days = STAGE_DAYS.get(state)
    return None if days is None else days * HOURS_PER_DAY


APPLICATION = Workflow(
    name=NAME,
    states=(
        State(RECEIVED, _("received at the community")),
        State(HOME_VISIT, _("home visit")),
        State(TOWN_REVIEW, _("town review")),
        State(NOTICE, _("public notice")),
        State(COUNTY_APPROVAL, _("county approval")),
        State(APPROVED, _("approved"), terminal=True),
        State(REFUSED, _("refused"), terminal=True),
        State(WITHDRAWN, _("withdrawn"), terminal=True),
    ),
    transitions=(
        Transition(
            "accept", _("accept the application"), (RECEIVED,), HOME_VISIT, Cap.ASSISTANCE_INTAKE
        ),
        Transition(
            "record_visit",
            _("record the home visit"),
            (HOME_VISIT,),
            TOWN_REVIEW,
            Cap.ASSISTANCE_INTAKE,
            requires=("visit",),
        ),
        Transition(
            "publish_notice", _("publish the notice"), (TOWN_REVIEW,), NOTICE, Cap.ASSISTANCE_REVIEW
        ),
        Transition(
            "close_notice",
            _("close the notice"),
            (NOTICE,),
            COUNTY_APPROVAL,
            Cap.ASSISTANCE_REVIEW,
        ),
        Transition("approve", _("approve"), (COUNTY_APPROVAL,), APPROVED, Cap.ASSISTANCE_APPROVE),
        Transition(
            "send_back",
            _("send back to the town"),
            (COUNTY_APPROVAL,),
            TOWN_REVIEW,
            Cap.ASSISTANCE_APPROVE,
            requires=("reason",),
        ),
        Transition(
            "refuse",
            _("refuse"),
            (RECEIVED, HOME_VISIT, TOWN_REVIEW, COUNTY_APPROVAL),
            REFUSED,
            Cap.ASSISTANCE_REVIEW,
            requires=("reason",),
        ),
        Transition(
            "withdraw",
            _("withdraw"),
            (RECEIVED, HOME_VISIT, TOWN_REVIEW),
            WITHDRAWN,
            Cap.ASSISTANCE_INTAKE,
            requires=("reason",),
        ),
    ),
    initial=RECEIVED,
    stage_deadlines=stage_hours,
    assign_capability=Cap.ASSISTANCE_REVIEW,
    deadline_capability=Cap.ASSISTANCE_REVIEW,
    note_capability=Cap.ASSISTANCE_VIEW,
    calendar=WorkCalendar.office_hours(),
)


def register() -> None:
    definitions.register(APPLICATION, replace=True)
