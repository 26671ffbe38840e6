"""Where each number leads: the events case list filtered to the cases behind it."""

from __future__ import annotations

from datetime import datetime, time
from urllib.parse import urlencode

from civicgrid.command.facts import TZ
from civicgrid.command.indicators import Period

CASE_PAGE = "/events/"
CASE_API = "/api/v1/events/incidents"

# The timeline step behind each number (events.selectors.filter_incidents(step=…)): the list
# holds the cases that took that step in the period; rates lead to all they were taken of.
STEP_OF: dict[str, str] = {
    "reports": "",
    "registered": "register",
    "rejected": "reject",
    "merged": "merge",
    "escalated": "escalate",
    "dispatched": "dispatch",
    "dispatched_on_time": "dispatch",
    "dispatch_rate": "dispatch",
    "returned": "return",
    "handled": "finish",
    "handled_on_time": "finish",
    "handle_rate": "finish",
    "avg_handle_hours": "finish",
    "reworked": "rework",
    "rework_rate": "rework",
    "closed": "close",
    "closed_on_time": "close",
    "close_rate": "close",
    "avg_close_hours": "close",
    "closed_community": "close",
    "closed_town": "close",
    "closed_county": "close",
    "evaluated": "evaluate",
    "satisfied": "evaluate",
    "basic": "evaluate",
    "unsatisfied": "evaluate",
    "satisfaction_rate": "evaluate",
}


def _moment(day: object, api: bool) -> str:
    if not api:
        return str(day)  # the page's form takes dates
    return datetime.combine(day, time.min, tzinfo=TZ).isoformat()  # type: ignore[arg-type]


def overdue_url(area: str, *, api: bool = False) -> str:
    params = {"area": area, "state": "open", "overdue": "true" if api else "yes"}
    return f"{CASE_API if api else CASE_PAGE}?{urlencode(params)}"


# The counts a row links from; a rate leads to the cases of its denominator (dispatch_rate →
# dispatched), an average to the cases it averages over (avg_close_hours → closed).
LINKED = (
    "reports",
    "registered",
    "rejected",
    "merged",
    "escalated",
    "dispatched",
    "returned",
    "handled",
    "reworked",
    "closed",
    "evaluated",
)


def all_cases(
    area: str,
    p: Period,
    *,
    category: str = "",
    department: int | None = None,
    api: bool = False,
) -> dict[str, str]:
    """The case list behind each count of a row (one query string, a step per count)."""
    params: dict[str, str] = {"area": area}
    if category:
        params["category"] = category
    if department is not None:
        params["department"] = str(department)
    params["since"] = _moment(p.start, api)
    params["until"] = _moment(p.end, api)
    base = f"{CASE_API if api else CASE_PAGE}?{urlencode(params)}"
    return {m: f"{base}&step={STEP_OF[m]}" if STEP_OF[m] else base for m in LINKED}
