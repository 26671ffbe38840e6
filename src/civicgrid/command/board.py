"""The live board's reads: new reports, cases due soon or overdue, whistles waiting for
departments, supervised cases — each a short, indexed, LIMITed list of the operator's area."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.core.scoping import root_code
from civicgrid.events import loop, present
from civicgrid.events.models import Incident, Priority, Summons
from civicgrid.workflow.models import Flow

# Rows per list: the board shows what needs doing first, the case list has the rest.
LIMIT = 30
SECTIONS = ("new", "due", "whistles", "supervised")


def can_watch(user: Any) -> bool:
    """The board is for the desks (triage) and for leaders and supervisors (read, 督办)."""
    can = getattr(user, "can", None)
    return bool(can and (can(Cap.EVENTS_TRIAGE) or can(Cap.EVENTS_SUPERVISE)))


def require_watch(user: Any) -> None:
    if not can_watch(user):
        raise PermissionDenied("command.board")


def case_url(number: str) -> str:
    """The case page (its dispatch actions are there)."""
    try:
        return reverse("events:case", args=[number])
    except NoReverseMatch:
        return f"/events/{number}/"


def cases_url() -> str:
    try:
        return reverse("events:list")
    except NoReverseMatch:
        return "/events/"


@dataclass
class Item:
    """One line of a board list, the same shape whatever the list."""

    pk: int
    number: str
    url: str
    priority: int
    title: str
    detail: str
    state: str
    state_label: str
    area: str
    when: datetime | None
    due_at: datetime | None
    overdue: bool
    fresh: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "url": self.url,
            "priority": self.priority,
            "emergency": self.priority == Priority.EMERGENCY,
            "title": self.title,
            "detail": self.detail,
            "state": self.state,
            "state_label": self.state_label,
            "area": self.area,
            "at": present.local(self.when),
            "due_at": present.local(self.due_at),
            "overdue": self.overdue,
        }


@dataclass
class Section:
    key: str
    title: str
    empty: str
    total: int
    items: list[Item]
    # New reports only: the highest row id the page had before, so new rows can be marked.
    after: int = 0
    every: int = 30
    digest: str = field(default="")

    @property
    def alarm(self) -> bool:
        """A report the page had not seen yet is an emergency."""
        return any(i.fresh and i.priority == Priority.EMERGENCY for i in self.items)

    @property
    def latest(self) -> int:
        return max([self.after, *(i.pk for i in self.items)])


def _case_item(incident: Incident, detail: str = "", when: datetime | None = None) -> Item:
    flow = incident.flow
    return Item(
        pk=incident.pk,
        number=incident.number,
        url=case_url(incident.number),
        priority=incident.priority,
        title=incident.category.name,
        detail=detail or incident.address or incident.description[:80],
        state=flow.state,
        state_label=present.state_label(flow.state),
        area=incident.region.name,
        when=when or incident.reported_at,
        due_at=flow.due_at,
        overdue=flow.overdue,
    )


def _area(user: Any) -> QuerySet[Incident]:
    """The cases of the user's area. The board is for desks and leaders, who see every case of
    their area (as events.selectors.incidents_visible_to gives them)."""
    return Incident.objects.filter(region__code__startswith=root_code(user))


def _flows(user: Any) -> QuerySet[Flow]:
    """The incident flows of the user's area. A flow carries the case's area, state and
    deadline, so the lists that need nothing else are picked from this narrow table alone."""
    return Flow.objects.filter(workflow=loop.NAME, region__code__startswith=root_code(user))


# What a board line shows; the related regions are read without their boundaries.
ITEM_FIELDS = (
    "number", "priority", "address", "description", "reported_at", "supervision_note",
    "flow__state", "flow__due_at", "flow__overdue", "category__name", "region__name",
)  # fmt: skip


def _lines(**where: Any) -> QuerySet[Incident]:
    rows = Incident.all_objects.filter(**where).select_related("flow", "category", "region")
    return rows.only(*ITEM_FIELDS)


def _first(qs: QuerySet[Any], *order: str, key: str) -> tuple[int, list[Incident]]:
    """The count and the first LIMIT cases in order: ids are picked by a narrow query (flows or
    incidents, `key` says which), then only those rows are read with what a line shows."""
    ids = list(qs.order_by(*order).values_list("pk", flat=True)[:LIMIT])
    found = {getattr(i, key): i for i in _lines(**{f"{key}__in": ids})}
    total = len(ids) if len(ids) < LIMIT else qs.count()
    return total, [found[pk] for pk in ids if pk in found]


def new_reports(user: Any) -> tuple[int, list[Item]]:
    """Reports waiting to be registered, newest first (a flow starts when its report comes)."""
    qs = _flows(user).filter(state=loop.REPORTED)
    total, rows = _first(qs, "-created_at", "-id", key="flow_id")
    return total, [_case_item(i) for i in rows]


def due_and_overdue(user: Any, now: datetime | None = None) -> tuple[int, list[Item]]:
    """Open cases past their stage's deadline or in its last fifth, soonest deadline first."""
    now = now or timezone.now()
    qs = _flows(user).filter(state__in=loop.OPEN_STATES)
    qs = qs.filter(Q(overdue=True) | Q(due_soon_at__lte=now))
    total, rows = _first(qs, "due_at", "id", key="flow_id")
    return total, [_case_item(i) for i in rows]


def supervised(user: Any) -> tuple[int, list[Item]]:
    """Open cases a leader or the county flagged (督办), soonest deadline first."""
    qs = _area(user).filter(supervised=True, flow__state__in=loop.OPEN_STATES)
    total, rows = _first(qs, "flow__due_at", "id", key="pk")
    return total, [_case_item(i, detail=i.supervision_note) for i in rows]


def waiting_summonses(user: Any) -> QuerySet[Summons]:
    """Departments summoned by a whistle in the area that have not reported for duty yet."""
    return Summons.objects.filter(
        acknowledged_at__isnull=True,
        whistle__incident__region__code__startswith=root_code(user),
        whistle__incident__flow__state__in=loop.OPEN_STATES,
    )


def whistles(user: Any) -> tuple[int, list[Item]]:
    qs = waiting_summonses(user)
    ids = list(qs.order_by("due_at", "id").values_list("pk", flat=True)[:LIMIT])
    rows = Summons.objects.filter(pk__in=ids).select_related(
        "organisation", "whistle", "whistle__incident__flow", "whistle__incident__category",
        "whistle__incident__region",
    ).only(
        "due_at", "overdue", "organisation__name", "whistle__raised_at",
        *(f"whistle__incident__{field}" for field in ITEM_FIELDS),
    )  # fmt: skip
    found = {s.pk: s for s in rows}
    items = []
    for pk in ids:
        summons = found[pk]
        item = _case_item(summons.whistle.incident, detail=summons.organisation.name)
        item.due_at, item.overdue = summons.due_at, summons.overdue
        item.when = summons.whistle.raised_at
        items.append(item)
    total = len(ids) if len(ids) < LIMIT else qs.count()
    return total, items


READERS: dict[str, tuple[Any, Any, Callable[[Any], tuple[int, list[Item]]], int]] = {
    "new": (_("New reports"), _("No report is waiting to be registered."), new_reports, 5),
    "due": (_("Due soon and overdue"), _("Nothing is close to its deadline."), due_and_overdue, 30),
    "whistles": (
        _("Whistles: departments to report for duty"),
        _("Every summoned department has reported for duty."),
        whistles,
        30,
    ),
    "supervised": (_("Supervised cases"), _("No open case is supervised."), supervised, 30),
}


def latest_report(user: Any) -> int:
    """The id of the newest report in the area (0 when there is none)."""
    found = _area(user).order_by("-pk").values_list("pk", flat=True).first()
    return int(found or 0)


def section(user: Any, key: str, *, after: int | None = None) -> Section:
    """One list of the board. `after`: the newest report id the page already had (None when
    the page is first drawn: then nothing counts as new)."""
    title, empty, read, every = READERS[key]
    total, items = read(user)
    if key == "new":
        if after is None:
            after = latest_report(user)
        for item in items:
            item.fresh = item.pk > after
    found = Section(key, str(title), str(empty), total, items, after=after or 0, every=every)
    found.digest = digest(found)
    return found


def board(user: Any) -> list[Section]:
    require_watch(user)
    return [section(user, key) for key in SECTIONS]


def digest(found: Section) -> str:
    """What the page has, in a few characters: an unchanged list is not sent again."""
    parts = [str(found.total)] + [
        f"{i.number}:{i.state}:{i.overdue}:{i.due_at}:{i.detail}" for i in found.items
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
