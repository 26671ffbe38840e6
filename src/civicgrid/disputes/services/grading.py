"""Re-grading: when the facts of a dispute change, and in one batch after a rule change."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.core.audit import log_action, register_action
from civicgrid.core.errors import DomainError
from civicgrid.core.permissions import require
from civicgrid.disputes import counts, routing, rules
from civicgrid.disputes import flow as dispute_flow
from civicgrid.disputes.models import COLOURS, Dispute
from civicgrid.disputes.services import batch_write
from civicgrid.disputes.services.common import (
    announce_grade,
    apply_grade,
    is_own_mediator,
    text,
)
from civicgrid.disputes.services.intake import _amount
from civicgrid.workflow import services as flows

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
    write_seconds: dict[str, float] = field(default_factory=dict)


def _arrays(ids: list[int] | None) -> dict[str, np.ndarray]:
    """The open disputes (those of `ids`) as one array per column, in id order."""
    if connection.vendor == "postgresql":
        return batch_write.read_open_disputes(ids, open_states=(*dispute_flow.OPEN_STATES, dispute_flow.FOLLOWING_UP), waiting_state=dispute_flow.REGISTERED)  # fmt: skip
    qs = Dispute.all_objects.filter(flow__state__in=(*dispute_flow.OPEN_STATES, dispute_flow.FOLLOWING_UP))  # fmt: skip
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    rows = list(
        qs.order_by("pk").values_list(
            "pk", "flow_id", "region_id", "dispute_type_id", "grade__colour", "grade__level", "organisation_id",
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
        "level": np.array([v or 0 for v in cols[5]], dtype=np.int8),
        "organisation": np.array([o or 0 for o in cols[6]], dtype=np.int64),
        "amount": np.array([float(a) for a in cols[7]], dtype=float),
        "people_involved": np.array(cols[8], dtype=float),
        "repeat_petitions": np.array(cols[9], dtype=float),
        "threat_violence": np.array(cols[10], dtype=bool),
        "threat_self_harm": np.array(cols[11], dtype=bool),
        "group_incident": np.array(cols[12], dtype=bool),
        "vulnerable_party": np.array(cols[13], dtype=bool),
        "received_at": np.array([d.timestamp() for d in cols[14]], dtype=float),
        "waiting": np.array([s == dispute_flow.REGISTERED for s in cols[15]], dtype=bool),
        "resolved_at": np.array(
            [np.nan if d is None else d.timestamp() for d in cols[16]], dtype=float
        ),
    }


def regrade_all(*, by: Any, now: datetime | None = None, ids: list[int] | None = None, route: bool = True) -> BatchResult:  # fmt: skip
    """Grade every open dispute with the active rules (after a rule change, or daily for the
    days-open rules) and suggest an organisation for those not routed yet, in one batch: numpy
    on arrays, then a few set-based statements. Grade changes keep their reasons as always."""
    require(by, Cap.DISPUTES_RULES)
    now = now or timezone.now()
    clock = time.perf_counter()
    seconds: dict[str, float] = {}
    detail: dict[str, float] = {}  # the write's parts
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
        waiting = data["waiting"] & (data["organisation"] == 0)
        if waiting.any():
            orgs = routing.org_table()
            routed_to[waiting] = routing.route_arrays(
                data["region"][waiting], data["type"][waiting], new_level[waiting], orgs
            )
    seconds["grade_route"] = time.perf_counter() - clock
    clock = time.perf_counter()
    # Escalated: moved to a level higher up by a new colour (not by a first grade), as a single
    # re-grade counts it (common.apply_grade).
    escalated = changed & (new_level > data["level"]) & (data["colour"] >= 0)
    with transaction.atomic():
        # A batch over a few disputes moves their counts; one over all of them recounts.
        counted = None if ids is None else list(counts.counted_values(Dispute.all_objects.filter(pk__in=ids)))  # fmt: skip
        _write(data, colour, met, new_level, changed, escalated, routed_to, active, settings, now, ids, detail)  # fmt: skip
        seconds["write"] = time.perf_counter() - clock
        clock = time.perf_counter()
        # A re-grade moves no counted fact but the colour and the escalations, both only with
        # the colour: a batch that changes no colour leaves the counts alone.
        if counted is not None and changed.any():
            after = counts.counted_values(Dispute.all_objects.filter(pk__in=ids or []))
            counts.add(counts.difference(counted, after))
        elif changed.any():
            # Recounting is faster than moving 200,000 disputes' counts one by one in SQL
            # (1–2 s against 2.5 s on the bench) and exact whatever happened meanwhile.
            counts.rebuild()
        batch_write.drop_stage()
    seconds["count"] = time.perf_counter() - clock
    return BatchResult(
        graded=len(colour),
        changed=int(changed.sum()),
        routed=int((routed_to > 0).sum()),
        seconds=seconds,
        write_seconds=detail,
    )


def _write(
    data: dict[str, np.ndarray],
    colour: np.ndarray,
    met: np.ndarray,
    new_level: np.ndarray,
    changed: np.ndarray,
    escalated: np.ndarray,
    routed_to: np.ndarray,
    active: rules.Active,
    settings: list[rules.ColourSettings],
    now: datetime,
    ids: list[int] | None,
    detail: dict[str, float],
) -> None:
    """The batch's writes: the grades that changed, staged and joined in with one UPDATE each
    for the grade rows and the flows' priorities, and appended as grade changes from the same
    staging table; the suggestions that changed replaced."""
    touched = np.flatnonzero(changed)
    texts: dict[int, str] = {}

    def reasons(mask: int) -> str:
        if mask not in texts:
            texts[mask] = json.dumps(rules.reasons_of(mask, active.rules), ensure_ascii=False)
        return texts[mask]

    pk, flow_id, old = data["pk"].tolist(), data["flow"].tolist(), data["colour"].tolist()
    colours, masks, levels, esc = colour.tolist(), met.tolist(), new_level.tolist(), escalated.tolist()  # fmt: skip
    rows: list[batch_write.Row] = []
    for i in touched.tolist():
        s = settings[colours[i]]
        rows.append((
            pk[i], flow_id[i], COLOURS[old[i]] if old[i] >= 0 else "", COLOURS[colours[i]], reasons(masks[i]),
            levels[i], s.follow_up_days, s.follow_ups, s.days, int(esc[i]),
        ))  # fmt: skip
    clock = time.perf_counter()
    batch_write.apply(rows, now)
    detail["grades"] = time.perf_counter() - clock
    clock = time.perf_counter()
    routed = np.flatnonzero(routed_to > 0)
    batch_write.replace_suggestions(data["pk"][routed], routed_to[routed], now, ids)
    detail["suggestions"] = time.perf_counter() - clock
    clock = time.perf_counter()
    if rows:
        batch_write.append_grade_changes(now, str(_("rules applied again")), active.rule_set_id)
    detail["grade_changes"] = time.perf_counter() - clock


def sweep_days_open(*, now: datetime | None = None) -> BatchResult:
    """The daily job: the days-open rules raise the colour of disputes left unresolved."""
    from civicgrid.core.actor import SYSTEM

    return regrade_all(by=SYSTEM, now=now, route=False)
