"""The audit log's export (CSV or Excel), for the audit administrator; the export is logged."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicgrid.core import audit_log
from civicgrid.core.errors import DomainError

_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _day(request: HttpRequest, name: str) -> date | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DomainError(
            "core.bad_date", _("'%(value)s' is not a date (YYYY-MM-DD).") % {"value": raw[:20]}
        ) from None


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.can(audit_log.READ_AUDIT):
        raise PermissionDenied
    fmt = request.GET.get("format", "csv")
    if fmt not in _TYPES:
        raise DomainError("core.bad_format", _("Export as csv or xlsx."))
    since, until = _day(request, "since"), _day(request, "until")
    entries = audit_log.between(audit_log.entries_visible_to(user), since, until)
    filters = {"since": str(since or ""), "until": str(until or "")}
    content, fmt = audit_log.export(entries, by=user, fmt=fmt, filters=filters)
    response = HttpResponse(content, content_type=_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="audit-log.{fmt}"'
    return response
