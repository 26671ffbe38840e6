"""What the case page's action forms do: one entry per action, each calling one service."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from civicgrid.accounts.models import Organisation
from civicgrid.core.errors import Conflict, DomainError, Forbidden
from civicgrid.events import selectors
from civicgrid.events.models import Incident
from civicgrid.events.services import escalation, merging, steps
from civicgrid.events.services.intake import MAX_PHOTOS
from civicgrid.regions.levels import Level
from civicgrid.regions.models import Region
from civicgrid.workflow import services as flows


@dataclass(frozen=True)
class Posted:
    """One submitted action form: who sent it, the case version they saw, and the fields."""

    user: Any
    version: int
    data: QueryDict
    files: MultiValueDict[str, UploadedFile]

    def text(self, name: str) -> str:
        return str(self.data.get(name, ""))

    def required(self, name: str) -> str:
        value = self.text(name).strip()
        if not value:
            raise DomainError(
                "events.missing_field", _("%(field)s is required.") % {"field": name}, field=name
            )
        return value

    def number(self, name: str) -> float:
        try:
            value = float(self.text(name).strip())
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise DomainError(
                "events.bad_number", _("%(field)s must be a number.") % {"field": name}, field=name
            )
        return value

    def ids(self, name: str) -> list[int]:
        values = self.data.getlist(name)
        if not all(v.isdigit() for v in values):
            raise DomainError("events.bad_department", _("Choose departments that exist."))
        return [int(v) for v in values]

    def photos(self) -> list[bytes]:
        files = self.files.getlist("photos")
        if len(files) > MAX_PHOTOS:
            raise DomainError(
                "events.too_many_photos",
                _("At most %(max)d photos per report.") % {"max": MAX_PHOTOS},
                max=MAX_PHOTOS,
            )
        # One byte past the limit is enough for the photo check to refuse an oversized file.
        limit = int(settings.PHOTO_MAX_BYTES) + 1
        return [f.read(limit) for f in files if f.size]


def _register(case: Incident, p: Posted) -> str:
    steps.register(incident=case, by=p.user, version=p.version, note=p.text("note"))
    return _("The case is registered; dispatch it next.")


def _reject(case: Incident, p: Posted) -> str:
    steps.reject(incident=case, by=p.user, version=p.version, reason=p.text("reason"))
    return _("The report was not registered; the reporter is told why.")


def _dispatch(case: Incident, p: Posted) -> str:
    handler = steps.Handler.parse(p.text("handler"))
    steps.dispatch(incident=case, to=handler, by=p.user, version=p.version, note=p.text("note"))
    return _("Dispatched to %(handler)s.") % {"handler": case.handler_label}


def _return(case: Incident, p: Posted) -> str:
    steps.return_order(incident=case, by=p.user, version=p.version, reason=p.text("reason"))
    return _("The order went back to the desk.")


def _accept(case: Incident, p: Posted) -> str:
    steps.accept(incident=case, by=p.user, version=p.version)
    return _("You accepted the order.")


def _finish(case: Incident, p: Posted) -> str:
    steps.finish(
        incident=case, by=p.user, version=p.version, result=p.text("result"), photos=p.photos()
    )
    return _("The result is reported; the reporter's side verifies it.")


def _close(case: Incident, p: Posted) -> str:
    steps.close(incident=case, by=p.user, version=p.version, note=p.text("note"))
    return _("The case is closed.")


def _rework(case: Incident, p: Posted) -> str:
    steps.rework(incident=case, by=p.user, version=p.version, reason=p.text("reason"))
    return _("The case went back to the handler for rework.")


def _escalate(case: Incident, p: Posted) -> str:
    escalation.escalate(incident=case, by=p.user, version=p.version, note=p.text("note"))
    return _("The case went up to %(desk)s.") % {"desk": case.desk.name}


def _merge(case: Incident, p: Posted) -> str:
    into = selectors.incident_for(p.user, p.required("into"))
    merging.merge(incident=case, into=into, by=p.user, version=p.version)
    return _("Merged into %(number)s.") % {"number": into.number}


def _summon(case: Incident, p: Posted) -> str:
    hours = p.number("hours") if p.text("hours").strip() else escalation.DEFAULT_SUMMONS_HOURS
    departments = p.ids("departments")
    called = escalation.summon(
        incident=case, departments=departments, by=p.user, hours=hours, note=p.text("note")
    )
    return _("%(n)d department(s) summoned.") % {"n": len(called)}


def _supervise(case: Incident, p: Posted) -> str:
    steps.supervise(incident=case, by=p.user, note=p.text("note"))
    return _("The case is under supervision.")


def _relocate(case: Incident, p: Posted) -> str:
    steps.confirm_location(
        incident=case, lng=p.number("lng"), lat=p.number("lat"), by=p.user, version=p.version
    )
    return _("The place is confirmed.")


def _comment(case: Incident, p: Posted) -> str:
    flows.comment(flow=case.flow, text=p.text("text"), by=p.user)
    return _("Your comment is on the timeline.")


def _evaluate(case: Incident, p: Posted) -> str:
    steps.evaluate(
        incident=case, by=p.user, satisfaction=p.text("satisfaction"), comment=p.text("comment")
    )
    return _("Thank you for your rating.")


ACTIONS: dict[str, Callable[[Incident, Posted], str]] = {
    "register": _register,
    "reject": _reject,
    "dispatch": _dispatch,
    "return": _return,
    "accept": _accept,
    "finish": _finish,
    "close": _close,
    "rework": _rework,
    "escalate": _escalate,
    "merge": _merge,
    "summon": _summon,
    "supervise": _supervise,
    "relocate": _relocate,
    "comment": _comment,
    "evaluate": _evaluate,
}
# Actions that change the case's state or place carry the version the user saw.
VERSIONED = frozenset(ACTIONS) - {"summon", "supervise", "comment", "evaluate"}


def take(action: str, case: Incident, request: HttpRequest) -> str:
    """Run one action for the signed-in user; returns the message to show, or raises."""
    version = 0
    if action in VERSIONED:
        raw = str(request.POST.get("version", ""))
        if not raw.isdigit():
            raise DomainError("events.bad_version", _("The form is incomplete; reload the case."))
        version = int(raw)
        if version != case.flow.version:
            raise Conflict(
                "workflow.stale_version",
                _("Someone else changed this case in the meantime. Reload it and try again."),
            )
    if action not in selectors.actions_for(case, request.user):
        raise Forbidden("events.action_not_offered", _("You cannot do this on this case now."))
    posted = Posted(request.user, version, request.POST, request.FILES)
    return ACTIONS[action](case, posted)


# --- what the forms offer ------------------------------------------------------------------


def _departments(case: Incident) -> list[Organisation]:
    """Departments answering for the case's place (its region lies in theirs), the category's
    own sector first."""
    prefixes = [case.region_id[:n] for n in (2, 4, 6, 9, 12, 15, 18) if n <= len(case.region_id)]
    orgs = Organisation.all_objects.filter(
        is_active=True,
        region_id__in=prefixes,
        kind__in=[Organisation.Kind.DEPARTMENT, Organisation.Kind.ENTERPRISE],
    ).select_related("region")
    sector = case.category.sector
    return sorted(orgs, key=lambda o: (o.sector != sector, -len(o.region_id), o.name))


def _km(metres: float | None) -> str:
    return f"{metres / 1000:.1f} km" if metres is not None else "?"


def choices(case: Incident, user: Any, actions: list[str]) -> dict[str, Any]:
    """The options of the forms the page shows: handlers, departments, duplicates."""
    out: dict[str, Any] = {}
    if "dispatch" in actions:
        out["workers"] = [
            (
                f"worker:{s.worker.pk}",
                f"{s.worker.get_full_name() or s.worker.username} · {_km(s.distance_m)} · "
                + _("%(n)d open") % {"n": s.open_orders},
            )
            for s in selectors.nearest_workers(case)
        ]
        out["communities"] = [
            (f"community:{code}", name)
            for code, name in Region.all_objects.filter(
                level=Level.COMMUNITY, code__startswith=case.desk_id
            ).values_list("code", "name")[:200]
        ]
    if "dispatch" in actions or "summon" in actions:
        out["departments"] = [
            (org.pk, f"{org.name}" + (f" · {org.sector}" if org.sector else ""))
            for org in _departments(case)
        ]
    if "merge" in actions:
        out["duplicates"] = selectors.merge_candidates(case, user)
    return out
