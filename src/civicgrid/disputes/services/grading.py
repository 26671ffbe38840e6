"""Re-grading: when the facts of a dispute change, and in one batch after a rule change."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.core.audit import log_action, register_action
from civicgrid.core.errors import DomainError
from civicgrid.core.permissions import require
from civicgrid.disputes import flow as dispute_flow
from civicgrid.disputes import routing, rules
from civicgrid.disputes.models import COLOURS, Dispute, GradeChange
from civicgrid.disputes.services.common import (
    announce_grade,
    apply_grade,
    is_own_mediator,
    text,
)
from civicgrid.disputes.services.intake import _amount
from civicgrid.workflow import services as flows
from civicgrid.workflow.models import Flow

register_action("disputes.dispute.facts_changed", _("changed the facts of a dispute"))

# The facts a person may correct after intake (days open follows from the dates).
EDITABLE = (
    "amount",
    "people_involved",
    "repeat_petitions",
    "threat_violence",
    "threat_self_harm",
    "group_incident",
    "vulnerable_party",
)


@transaction.atomic
def change_facts(
    *,
    dispute: Dispute,
    by: Any,
    version: int,
    reason: str,
    now: datetime | None = None,
    **changes: Any,
) -> Dispute:
    """Correct the facts the rules read and re-grade: a new colour keeps its reasons, moves the
    deadline and tells whom the colour says (red alerts the town and county)."""
    require(by, Cap.DISPUTES_VIEW)
    if not (by.can(Cap.DISPUTES_INTAKE) or is_own_mediator(dispute, by)):
        require(by, Cap.DISPUTES_INTAKE)
    if dispute.flow.state in dispute_flow.ENDED_STATES:
        raise DomainError("disputes.ended", _("This dispute has ended; its facts stay as they were."))  # fmt: skip
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError("disputes.unknown_fact", _("These facts cannot be changed: %(names)s") % {"names": ", ".join(sorted(unknown))})  # fmt: skip
    reason = text(reason, field="reason", max_length=200)
    now = now or timezone.now()
    before = {name: getattr(dispute, name) for name in changes}
    for name, value in changes.items():
        if name == "amount":
            value = _amount(value)
        elif name in ("people_involved", "repeat_petitions"):
            if not isinstance(value, int) or value < 0 or value > 1_000_000:
                raise DomainError("disputes.bad_count", _("People involved and repeat petitions must be sensible numbers."))  # fmt: skip
        else:
            value = bool(value)
        setattr(dispute, name, value)
    change, grade = apply_grade(dispute, cause=reason, by=by, now=now)
    flows.record_event(
        flow=dispute.flow,
        action="facts_changed",
        by=by,
        note=reason,
        data={"from": _plain(before), "to": _plain({n: getattr(dispute, n) for n in changes})},
        expected_version=version,
        now=now,
    )
    if change is not None:
        change.save()
        flows.reprioritise(
            flow=dispute.flow,
            priority=COLOURS.index(dispute.colour),
            reason=f"{change.from_colour} → {change.to_colour}: {reason}",
            by=by,
            expected_version=dispute.flow.version,
            now=now,
        )
    dispute.save()
    log_action(dispute, "disputes.dispute.facts_changed", by=by, data={"changes": _plain(changes), "colour": dispute.colour})  # fmt: skip
    if change is not None:
        announce_grade(dispute, grade)
    return dispute


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}


# --- the batch ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchResult:
    graded: int
    changed: int
    routed: int
    seconds: dict[str, float]


def _arrays(ids: list[int] | None) -> dict[str, np.ndarray]:
    qs = Dispute.all_objects.filter(flow__state__in=(*dispute_flow.OPEN_STATES, dispute_flow.FOLLOWING_UP))  # fmt: skip
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    rows = list(
        qs.order_by("pk").values_list(
            "pk", "flow_id", "region_id", "dispute_type_id", "colour", "level", "organisation_id",
            "amount", "people_involved", "repeat_petitions", "threat_violence", "threat_self_harm",
            "group_incident", "vulnerable_party", "received_at", "flow__state", "resolved_at",
        )
    )  # fmt: skip
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in range(17)]
    return {
        "pk": np.array(cols[0], dtype=np.int64),
        "flow": np.array(cols[1], dtype=np.int64),
        "region": np.array(cols[2], dtype=object),
        "type": np.array(cols[3], dtype=object),
        "colour": np.array([COLOURS.index(c) if c else -1 for c in cols[4]], dtype=np.int8),
        "level": np.array(cols[5], dtype=np.int8),
        "organisation": np.array([o or 0 for o in cols[6]], dtype=np.int64),
        "amount": np.array(cols[7], dtype=float),
        "people_involved": np.array(cols[8], dtype=float),
        "repeat_petitions": np.array(cols[9], dtype=float),
        "threat_violence": np.array(cols[10], dtype=bool),
        "threat_self_harm": np.array(cols[11], dtype=bool),
        "group_incident": np.array(cols[12], dtype=bool),
        "vulnerable_party": np.array(cols[13], dtype=bool),
        "received_at": np.array([d.timestamp() for d in cols[14]], dtype=float),
        "state": np.array(cols[15], dtype=object),
        "resolved_at": np.array([d.timestamp() if d else np.nan for d in cols[16]], dtype=float),
    }


def regrade_all(*, by: Any, now: datetime | None = None, ids: list[int] | None = None, route: bool = True) -> BatchResult:  # fmt: skip
    """Grade every open dispute with the active rules (after a rule change, or daily for the
    days-open rules) and suggest an organisation for those not routed yet, in one batch: numpy
    on arrays, then a few set-based statements. Grade changes keep their reasons as always."""
    require(by, Cap.DISPUTES_RULES)
    now = now or timezone.now()
    clock = time.perf_counter()
    seconds: dict[str, float] = {}
    active = rules.active()
    data = _arrays(ids)
    seconds["read"] = time.perf_counter() - clock
    clock = time.perf_counter()
    received = data["received_at"]
    # Days open count until the agreement for disputes being followed up.
    end = np.where(np.isnan(data["resolved_at"]), now.timestamp(), data["resolved_at"])
    days_open = np.maximum(0.0, (end - received) // 86400)
    facts = {name: data[name] for name in rules.FACTS if name != "days_open"}
    facts["days_open"] = days_open
    colour, met = rules.grade_arrays(facts, active.rules)
    settings = [active.rules.colour(name) for name in COLOURS]
    new_level = np.array([s.level for s in settings], dtype=np.int8)[colour]
    changed = colour != data["colour"]
    routed_to = np.zeros(len(colour), dtype=np.int64)
    if route:
        waiting = (data["state"] == dispute_flow.REGISTERED) & (data["organisation"] == 0)
        if waiting.any():
            orgs = routing.org_table()
            routed_to[waiting] = routing.route_arrays(
                data["region"][waiting], data["type"][waiting], new_level[waiting], orgs
            )
    seconds["grade_route"] = time.perf_counter() - clock
    clock = time.perf_counter()
    with transaction.atomic():
        _write(data, colour, met, new_level, changed, routed_to, active, settings, now)
    seconds["write"] = time.perf_counter() - clock
    return BatchResult(
        graded=len(colour),
        changed=int(changed.sum()),
        routed=int((routed_to > 0).sum()),
        seconds=seconds,
    )


def _write(
    data: dict[str, np.ndarray],
    colour: np.ndarray,
    met: np.ndarray,
    new_level: np.ndarray,
    changed: np.ndarray,
    routed_to: np.ndarray,
    active: rules.Active,
    settings: list[rules.ColourSettings],
    now: datetime,
) -> None:
    """The batch's writes: one UPDATE per colour for the grades that changed (and the flows'
    priority), one per organisation suggested… all from a staging table of (id, values)."""
    idx = np.flatnonzero(changed)
    reasons_cache: dict[int, list[dict[str, str]]] = {}

    def reasons(mask: int) -> list[dict[str, str]]:
        if mask not in reasons_cache:
            reasons_cache[mask] = rules.reasons_of(mask, active.rules)
        return reasons_cache[mask]

    # Grades: the dispute rows of each (colour, reasons) together, one statement each group.
    groups: dict[tuple[int, int], list[Any]] = {}
    for i in idx:
        groups.setdefault((int(colour[i]), int(met[i])), []).append(i)
    for (c, mask), members in groups.items():
        s = settings[c]
        pks = data["pk"][members].tolist()
        for chunk in _chunks(pks):
            Dispute.all_objects.filter(pk__in=chunk).update(
                colour=COLOURS[c], colour_reasons=reasons(mask), level=s.level,
                follow_up_days=s.follow_up_days, follow_ups_required=s.follow_ups,
            )  # fmt: skip
        flow_ids = data["flow"][members].tolist()
        for chunk in _chunks(flow_ids):
            Flow.all_objects.filter(pk__in=chunk).update(priority=c, updated_at=now)
    # Due dates follow the received time: one set-based statement per colour.
    for c, s in enumerate(settings):
        members = idx[colour[idx] == c]
        for chunk in _chunks(data["pk"][members].tolist()):
            _shift_due(chunk, s.days)
    GradeChange.objects.bulk_create(
        (
            GradeChange(
                dispute_id=int(data["pk"][i]),
                at=now,
                from_colour=COLOURS[data["colour"][i]] if data["colour"][i] >= 0 else "",
                to_colour=COLOURS[int(colour[i])],
                reasons=reasons(int(met[i])),
                cause=str(_("rules applied again")),
                rule_set_id=active.rule_set_id,
                by_label="system",
            )
            for i in idx
        ),
        batch_size=5000,
    )
    # Escalations: a grade that raised the level.
    up = idx[new_level[idx] > data["level"][idx]]
    for chunk in _chunks(data["pk"][up].tolist()):
        Dispute.all_objects.filter(pk__in=chunk).update(escalations=F("escalations") + 1)
    # Suggested organisations for the disputes still waiting to be routed.
    by_org: dict[int, list[int]] = {}
    for i in np.flatnonzero(routed_to):
        by_org.setdefault(int(routed_to[i]), []).append(int(data["pk"][i]))
    for org, pks in by_org.items():
        for chunk in _chunks(pks):
            Dispute.all_objects.filter(pk__in=chunk).update(organisation_id=org)


def _shift_due(pks: list[int], days: int) -> None:
    """due_at = received_at + days, for these disputes, in one statement."""
    table = connection.ops.quote_name(Dispute._meta.db_table)
    marks = ",".join(["%s"] * len(pks))
    if connection.vendor == "postgresql":
        expr = "received_at + make_interval(days => %s)"
    else:
        # datetime() drops the microseconds Django stores after the 19th character: keep them.
        expr = "datetime(received_at, '+' || %s || ' days') || substr(received_at, 20)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET due_at = {expr} WHERE id IN ({marks})",  # noqa: S608 - no user text
            [days, *pks],
        )


CHUNK = 30000


def _chunks(values: list[int]) -> list[list[int]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def sweep_days_open(*, now: datetime | None = None) -> BatchResult:
    """The daily job: the days-open rules raise the colour of disputes left unresolved."""
    from civicgrid.core.actor import SYSTEM

    return regrade_all(by=SYSTEM, now=now, route=False)
