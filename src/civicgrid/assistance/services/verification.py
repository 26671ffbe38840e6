"""Verification of households' economic situation against the sources, in bulk: one question
per source for every member of every application, a report per household, audit-logged."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.assistance import adapters, audit_codes, loop
from civicgrid.assistance.adapters import COUNTED, Answer
from civicgrid.assistance.facts import declared_totals
from civicgrid.assistance.models import Application, VerificationRun
from civicgrid.core.audit import log_action
from civicgrid.core.errors import Conflict
from civicgrid.core.permissions import require
from civicgrid.workflow import services as flows

BEFORE_DECISION = (loop.RECEIVED, loop.HOME_VISIT, loop.TOWN_REVIEW)


def report_for(
    application: Application, answers: Sequence[Answer], member_of: dict[str, int]
) -> dict[str, Any]:
    """One household's report: each source's findings about its members, the verified figure
    of every kind a source answered for, and each difference from the declaration."""
    sources: dict[str, Any] = {}
    verified: dict[str, int] = {}
    for answer in answers:
        mine = [f for f in answer.findings if f.id_number in member_of]
        sources[answer.source] = {
            "ok": answer.ok,
            "error": answer.error,
            "findings": [
                {
                    "member": member_of[f.id_number],
                    "kind": f.kind,
                    "amount_fen": f.amount_fen,
                    "detail": f.detail,
                }
                for f in mine
            ],
        }
        if not answer.ok:
            continue
        for kind in adapters.SOURCES[answer.source][1]:
            found = [f for f in mine if f.kind == kind]
            verified[kind] = len(found) if kind in COUNTED else sum(f.amount_fen for f in found)
    declared = declared_totals(application.items.all())
    differences = []
    for kind, value in sorted(verified.items()):
        said = declared.get(kind, 0)
        if said != value:
            owner = next(s for s, (_l, kinds) in adapters.SOURCES.items() if kind in kinds)
            differences.append({"kind": kind, "declared": said, "verified": value, "source": owner})
    failed = sorted(a.source for a in answers if not a.ok)
    return {
        "sources": sources,
        "verified": verified,
        "differences": differences,
        "incomplete": failed,
    }


@transaction.atomic
def verify_many(
    *, applications: Sequence[Application], by: Any, now: datetime | None = None
) -> list[VerificationRun]:
    """Verify many applications in one go. A source that fails leaves every application it
    concerns "verification incomplete": the figures are kept, nothing is decided on them."""
    if by is not None:
        require(by, Cap.ASSISTANCE_REVIEW)
    now = now or timezone.now()
    for application in applications:
        state = application.flow.state if application.flow else ""
        if state not in BEFORE_DECISION:
            raise Conflict(
                "assistance.verify_state",
                _("Application %(number)s is past the stage where it can be verified.")
                % {"number": application.number},
            )
    members: dict[int, dict[str, int]] = defaultdict(dict)
    people: dict[int, list[int]] = defaultdict(list)
    for application in applications:
        for m in application.members.select_related("resident"):
            members[application.pk][m.resident.id_number] = m.pk
            people[application.pk].append(m.resident_id)
    numbers = sorted({n for per in members.values() for n in per})
    answers = adapters.ask_all(numbers)
    runs = []
    for application in applications:
        report = report_for(application, answers, members[application.pk])
        complete = not report["incomplete"]
        run = VerificationRun.objects.create(
            application=application, at=now, by=by if getattr(by, "pk", None) else None,
            complete=complete, report=report,
        )  # fmt: skip
        application.verification = (
            Application.Verification.COMPLETE if complete else Application.Verification.INCOMPLETE
        )
        application.save(update_fields=["verification"])
        assert application.flow is not None
        flows.record_event(
            flow=application.flow,
            action="verified" if complete else "verification_incomplete",
            by=by,
            data={"differences": len(report["differences"]), "failed": report["incomplete"]},
            now=now,
        )
        # Who asked about whom, for which application (SECURITY.md: every verification query).
        log_action(
            application,
            audit_codes.VERIFIED,
            by=by,
            data={
                "application": application.number,
                "residents": people[application.pk],
                "sources": [a.source for a in answers],
                "failed": report["incomplete"],
            },
        )
        runs.append(run)
    return runs
