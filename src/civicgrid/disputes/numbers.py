"""Dispute numbers per area, organisation, mediator, type and colour; the Excel export.

Received: disputes taken in during the period. Resolved: of those, the ones mediation brought to
(partial) agreement. Resolution rate: resolved ÷ (resolved + no agreement) — withdrawals and
cases still open count in neither. Days to resolve: intake to agreement, on average. Repeats:
disputes with repeat petitions. Escalated: disputes whose grade raised the level handling them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from civicgrid.accounts.models import Organisation, User
from civicgrid.accounts.roles import Cap
from civicgrid.core.audit import log_action, register_action
from civicgrid.core.errors import DomainError
from civicgrid.core.permissions import require
from civicgrid.core.scoping import root_code
from civicgrid.disputes import counts
from civicgrid.disputes.models import COLOURS, Colour, Dispute, DisputeCount, DisputeType
from civicgrid.regions.models import Region

register_action("disputes.numbers.exported", gettext_lazy("exported dispute numbers"))

GROUPINGS = ("area", "organisation", "mediator", "type", "colour")
# The next level down of an area code of each length.
CHILD_LENGTH = {2: 4, 4: 6, 6: 9, 9: 12, 12: 15, 15: 18, 18: 18}
RESOLVED = (Dispute.Outcome.AGREEMENT, Dispute.Outcome.PARTIAL)


def _period(since: date | None, until: date | None) -> tuple[datetime, datetime]:
    today = timezone.localdate()
    until = until or today
    since = since or until.replace(month=1, day=1)
    if since > until:
        raise DomainError("disputes.bad_dates", _("The period starts after it ends."))
    zone = timezone.get_current_timezone()
    start = datetime.combine(since, time.min, tzinfo=zone)
    return start, datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)


def _prefix_range(code: str) -> Q:
    """region_id starting with `code`, as a range an index serves (codes are digits)."""
    low, high = _code_range(code)
    return Q(region_id__gte=low, region_id__lt=high)


def in_period(user: Any, area: str, since: date | None, until: date | None) -> QuerySet[Dispute]:
    """Disputes received in the period in `area` (within the user's), for the numbers."""
    require(user, Cap.DISPUTES_NUMBERS)
    root = root_code(user)
    area = (area or root).strip()
    if not area.startswith(root):
        raise DomainError("disputes.outside_area", _("That area is outside yours."), status=404)
    start, end = _period(since, until)
    return Dispute.all_objects.filter(
        _prefix_range(area), received_at__gte=start, received_at__lt=end
    )


def _measures() -> dict[str, Any]:
    took = ExpressionWrapper(F("resolved_at") - F("received_at"), output_field=DurationField())
    # Counting a column of the covering index (not the id) lets PostgreSQL read the index only.
    n = "region"
    return {
        "received": Count(n),
        "resolved": Count(n, filter=Q(outcome__in=RESOLVED)),
        "failed": Count(n, filter=Q(outcome=Dispute.Outcome.NO_AGREEMENT)),
        "took": Sum(took, filter=Q(outcome__in=RESOLVED)),
        "repeats": Count(n, filter=Q(repeat_petitions__gt=0)),
        "escalated": Count(n, filter=Q(grade__escalations__gt=0)),
        "red": Count(n, filter=Q(grade__colour=Colour.RED)),
    }


SUMMED = ("received", "resolved", "failed", "repeats", "escalated", "red")


def _roll_up(rows: Sequence[Any], field: str) -> dict[Any, dict[str, Any]]:
    """Sum the rows of one query by one of its keys (one read serves every grouping)."""
    out: dict[Any, dict[str, Any]] = {}
    for row in rows:
        key = row[field] if field else None
        into = out.setdefault(key, {"key": key, "took": timedelta(0)} | dict.fromkeys(SUMMED, 0))
        for name in SUMMED:
            into[name] += row[name]
        into["took"] += row["took"] or timedelta(0)
    return out


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    decided = row["resolved"] + row["failed"]
    took = row.pop("took")
    row["rate"] = round(100.0 * row["resolved"] / decided, 1) if decided else None
    row["avg_days"] = round(took.total_seconds() / 86400 / row["resolved"], 1) if row["resolved"] else None  # fmt: skip
    return row


def _key(by: str, area: str) -> Any:
    if by == "area":
        return Substr("region_id", 1, CHILD_LENGTH.get(len(area), len(area)))
    field = {"organisation": "organisation_id", "mediator": "mediator_id", "type": "dispute_type_id", "colour": "grade__colour"}[by]  # fmt: skip
    return F(field)


def _labels(by: str, keys: list[Any]) -> dict[Any, str]:
    if by == "area":
        return dict(Region.all_objects.filter(code__in=keys).values_list("code", "name"))
    if by == "organisation":
        return dict(Organisation.all_objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "mediator":
        return {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=keys)}
    if by == "type":
        return dict(DisputeType.objects.values_list("code", "name"))
    return {c: str(Colour(c).label) for c in COLOURS}


def _listed(by: str, rolled: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    labels = _labels(by, [k for k in rolled if k is not None])
    return [
        _finish(dict(row)) | {"label": labels.get(key, "—" if key is None else str(key))}
        for key, row in sorted(rolled.items(), key=lambda kv: (kv[0] is None, str(kv[0])))
    ]


def _area_type_colour(qs: QuerySet[Dispute], area: str, start: datetime, end: datetime) -> list[dict[str, Any]]:  # fmt: skip
    """Rows by (sub-area, type, colour) of the disputes of `qs`: for a province or a city, the
    whole months of the period from the counts, its first and last days from the disputes (the
    last days from the counts when the period runs to today or later)."""
    grain = CHILD_LENGTH.get(len(area), len(area))
    first = _month_start(start, up=True)
    last = _month_start(end, up=False)
    if end > timezone.now():
        # No dispute is received later than now: a period running to today holds the whole of
        # its last month so far, which the counts have (the live read is its first days only).
        last = _month_start(end, up=True)
    if grain not in counts.GRAINS or first >= last:
        return _live(qs, area)
    low, high = _code_range(area)
    summed = {name: Sum(name) for name in SUMMED}
    counted = (
        DisputeCount.objects.filter(
            grain=grain,
            area__gte=low,
            area__lt=high,
            month__gte=first.date(),
            month__lt=last.date(),
        )
        .values(sub=F("area"), t=F("dispute_type"), c=F("colour"))
        .annotate(**summed, summed_took=Sum("took"))
        .order_by()
    )
    rows: list[dict[str, Any]] = []
    for row in counted:
        plain: dict[str, Any] = dict(row)
        plain["took"] = plain.pop("summed_took") or timedelta(0)
        rows.append(plain)
    return rows + _live(qs.filter(Q(received_at__lt=first) | Q(received_at__gte=last)), area)


def _live(qs: QuerySet[Dispute], area: str) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in qs.annotate(sub=_key("area", area), t=F("dispute_type_id"), c=F("grade__colour"))
        .values("sub", "t", "c")
        .annotate(**_measures())
        .order_by()
    ]


def _month_start(moment: datetime, *, up: bool) -> datetime:
    """The start of the month of `moment` (local time), or of the next one if `up` and the
    moment is not a month's start."""
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if up and start != moment:
        start = (start + timedelta(days=32)).replace(day=1)
    return start


def _code_range(code: str) -> tuple[str, str]:
    return code, code[:-1] + chr(ord(code[-1]) + 1)


def grouped(qs: QuerySet[Dispute], by: str, area: str) -> list[dict[str, Any]]:
    rows = list(qs.annotate(key=_key(by, area)).values("key").annotate(**_measures()).order_by())
    return _listed(by, _roll_up(rows, "key"))


def report(
    user: Any, *, area: str = "", since: date | None = None, until: date | None = None,
    by: str = "area",
) -> dict[str, Any]:  # fmt: skip
    """The numbers of an area over a period, grouped one way, with totals and by type/colour.

    One aggregate query by (sub-area, type, colour) gives the totals and those three groupings
    (a covering index serves it on PostgreSQL); grouping by organisation or mediator adds one."""
    if by not in GROUPINGS:
        raise DomainError("disputes.bad_grouping", _("Group by area, organisation, mediator, type or colour."))  # fmt: skip
    area = (area or root_code(user)).strip()
    qs = in_period(user, area, since, until)
    start, end = _period(since, until)
    rows = _area_type_colour(qs, area, start, end)
    totals = _finish(_roll_up(rows, "").get(None) or {"key": None, "took": timedelta(0)} | dict.fromkeys(SUMMED, 0))  # fmt: skip
    by_field = {"area": "sub", "type": "t", "colour": "c"}
    main = _listed(by, _roll_up(rows, by_field[by])) if by in by_field else grouped(qs, by, area)
    return {
        "area": area,
        "since": start.date(),
        "until": (end - timedelta(days=1)).date(),
        "by": by,
        "totals": totals,
        "rows": main,
        "by_type": _listed("type", _roll_up(rows, "t")) if by != "type" else None,
        "by_colour": _listed("colour", _roll_up(rows, "c")) if by != "colour" else None,
    }


COLUMNS = ("label", "received", "resolved", "failed", "rate", "avg_days", "repeats", "escalated", "red")  # fmt: skip


def workbook(data: dict[str, Any]) -> bytes:
    headers = [_("group"), _("received"), _("resolved"), _("no agreement"), _("resolution rate") + " %", _("average days to resolve"), _("repeats"), _("escalated"), _("red")]  # fmt: skip
    book = Workbook()
    sheets = [(data["by"], data["rows"]), ("type", data["by_type"]), ("colour", data["by_colour"])]
    first = True
    for title, rows in sheets:
        if rows is None:
            continue
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = title
        sheet.append([f"{data['area']} {data['since']} – {data['until']}"])
        sheet.append(headers)
        for row in rows:
            sheet.append([row[c] for c in COLUMNS])
        sheet.append([_("total"), *[data["totals"][c] for c in COLUMNS[1:]]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def excel_response(user: Any, **params: Any) -> HttpResponse:
    data = report(user, **params)
    log_action(None, "disputes.numbers.exported", by=user, region_code=data["area"], data={"by": data["by"]})  # fmt: skip
    response = HttpResponse(
        workbook(data),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="disputes-{data["area"]}-{data["since"]}-{data["until"]}.xlsx"'  # fmt: skip
    return response
