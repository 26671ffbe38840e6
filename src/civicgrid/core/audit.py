"""One call to write the audit log, and the registry that names each action code."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicgrid.core.actor import acting_as, current_actor

__all__ = ["acting_as", "current_actor", "describe", "log_action", "register_action"]
from civicgrid.core.models import AuditEntry

ACTIONS: dict[str, Promise] = {}


def register_action(code: str, text: Promise) -> str:
    """Name an action code once, so logs and timelines can show it in the reader's language."""
    ACTIONS[code] = text
    return code


def describe(code: str) -> str:
    return str(ACTIONS.get(code, code))


def log_action(
    obj: models.Model | None,
    action: str,
    *,
    by: Any = None,
    source_ip: str | None = None,
    outcome: str = AuditEntry.Outcome.OK,
    region_code: str = "",
    data: dict[str, Any] | None = None,
    username: str = "",
) -> AuditEntry:
    """Append one audit record. `by` and `source_ip` default to the current actor."""
    if action not in ACTIONS:
        raise KeyError(f"unregistered audit action {action!r}")
    actor = current_actor()
    user = by if by is not None else actor.user
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if obj is not None and not region_code:
        region_code = str(getattr(obj, "region_id", None) or getattr(obj, "region_code", "") or "")
    return AuditEntry.objects.create(
        actor=user,
        actor_username=username or (user.get_username() if user is not None else actor.label),
        source_ip=source_ip or actor.source_ip,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        region_code=region_code,
        outcome=outcome,
        data=data or {},
    )


register_action("core.audit.exported", _("exported the audit log"))
register_action("core.audit.archived", _("archived old audit records"))
# core.workers: a task left running by a worker that died.
register_action("core.task.requeued", _("queued again a task whose worker died"))
register_action("core.task.abandoned", _("gave up a task that its workers died under"))
