"""JSON API of the notification centre under /api/v1/notifications: one's own, nobody else's."""
# No `from __future__ import annotations` here: ninja's @paginate resolves the annotations.

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from civicgrid.core.errors import DomainError
from civicgrid.notifications import selectors, services
from civicgrid.notifications.models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    code: str
    title: str
    body: str
    link: str
    created_at: datetime = Field(..., description="Asia/Shanghai")
    read_at: datetime | None = Field(None, description="Asia/Shanghai")

    @staticmethod
    def resolve_created_at(obj: Notification) -> datetime:
        return timezone.localtime(obj.created_at)

    @staticmethod
    def resolve_read_at(obj: Notification) -> datetime | None:
        return timezone.localtime(obj.read_at) if obj.read_at else None


class ListFilter(Schema):
    unread: bool = False


@router.get("", response=list[NotificationOut], summary="My notifications, newest first")
@paginate(PageNumberPagination, page_size=20)
def list_mine(request: HttpRequest, filters: Query[ListFilter]) -> Any:
    return selectors.notifications_of(request.user, unread_only=filters.unread)


class UnreadOut(Schema):
    unread: int


@router.get("/unread-count", response=UnreadOut, summary="How many of mine are unread")
def unread_count(request: HttpRequest) -> Any:
    return {"unread": selectors.unread_count(request.user)}


class MarkReadIn(Schema):
    # Ids are bounded by the column's range: SQLite refuses larger numbers with an error.
    ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] | None = Field(
        None, max_length=500, description="these; or all: true"
    )
    all: bool = False


class MarkedOut(Schema):
    marked: int
    unread: int


@router.post("/read", response=MarkedOut, summary="Mark some, or all, of mine read")
def mark_read(request: HttpRequest, body: MarkReadIn) -> Any:
    if not body.all and not body.ids:
        raise DomainError(
            "notifications.nothing_to_mark", _("Say which notifications to mark (ids), or all.")
        )
    marked = services.mark_read(user=request.user, ids=None if body.all else body.ids)
    return {"marked": marked, "unread": selectors.unread_count(request.user)}
