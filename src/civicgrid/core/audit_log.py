"""Reading the audit log: who may (the audit administrator, in their area), and its export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from openpyxl import Workbook

from civicgrid.core.audit import describe, log_action
from civicgrid.core.models import AuditEntry

READ_AUDIT = "core.read_audit"
EXPORTED = "core.audit.exported"
MAX_EXPORT_ROWS = 200_000
HEADERS = ["time", "user", "source address", "action", "what", "object", "area", "outcome"]


def entries_visible_to(user: Any) -> QuerySet[AuditEntry]:
    """Records about the reader's area, for the audit role only. Records with no area (failed
    sign-ins of unknown names) are read at province level only."""
    code = getattr(user, "region_code", "")
    if not code or not user.can(READ_AUDIT):
        return AuditEntry.objects.none()
    mine = Q(region_code__startswith=code)
    return AuditEntry.objects.filter(mine | Q(region_code="") if len(code) <= 2 else mine)


def between(entries: QuerySet[AuditEntry], since: date | None, until: date | None) -> Any:
    if since:
        entries = entries.filter(at__gte=timezone.make_aware(datetime.combine(since, time.min)))
    if until:
        entries = entries.filter(at__lt=timezone.make_aware(datetime.combine(until, time.max)))
    return entries


def rows(entries: Iterable[AuditEntry]) -> Iterator[list[str]]:
    for e in entries:
        yield [
            timezone.localtime(e.at).isoformat(timespec="seconds"),
            e.actor_username,
            e.source_ip or "",
            e.action,
            describe(e.action),
            e.object_repr,
            e.region_code,
            e.outcome,
        ]


def export(
    entries: QuerySet[AuditEntry], *, by: Any, fmt: str, filters: dict[str, Any]
) -> tuple[bytes, str]:
    """The records as CSV or Excel, headed by who exported them and when; the export itself is
    logged (after the file is made, so it names the number of records in it)."""
    chosen = list(entries.order_by("at", "id")[:MAX_EXPORT_ROWS])
    stamp = f"exported by {by.get_username()} at {timezone.localtime():%Y-%m-%d %H:%M}"
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet("audit")
        sheet.append([stamp])
        sheet.append(HEADERS)
        for row in rows(chosen):
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        content = out.getvalue()
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow([f"# {stamp}"])
        writer.writerow(HEADERS)
        writer.writerows(rows(chosen))
        # With a byte-order mark Excel opens the Chinese text as UTF-8.
        content = ("\ufeff" + text.getvalue()).encode("utf-8")
    log_action(
        None,
        EXPORTED,
        by=by,
        region_code=by.region_code,
        data={"rows": len(chosen), "format": fmt, "filters": filters},
    )
    return content, fmt
