"""Audit receivers: logins, failures, lockouts and every change to users and their roles."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext as _

from civicgrid.accounts import actions
from civicgrid.accounts.middleware import start_session_clock
from civicgrid.accounts.models import User
from civicgrid.accounts.selectors import area_grants_of
from civicgrid.accounts.services import remember_language
from civicgrid.core.audit import log_action
from civicgrid.core.http import client_ip
from civicgrid.core.models import AuditEntry

# Fields whose change is a change of someone's rights or identity.
AUDITED_FIELDS = (
    "username",
    "role",
    "region_id",
    "organisation_id",
    "is_active",
    "is_staff",
    "is_superuser",
    "is_demo",
    "password",
)


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        start_session_clock(request)
    remember_language(user, getattr(request, "LANGUAGE_CODE", ""))
    log_action(user, actions.LOGIN, by=user, source_ip=_ip(request))
    if request is not None:
        _mention_area_grants(request, user)


def _mention_area_grants(request: HttpRequest, user: User) -> None:
    """A grant does nothing until taken up: say at sign-in that there is one to take up."""
    held = [grant.region.name for grant in area_grants_of(user)]
    if held:
        messages.info(
            request,
            _(
                "You hold temporary access to %(areas)s: open “Your area” (your name above) to work there."
            )
            % {"areas": "、".join(held)},
            fail_silently=True,
        )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        log_action(user, actions.LOGOUT, by=user, source_ip=_ip(request))


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    log_action(
        None,
        actions.LOGIN_FAILED,
        source_ip=_ip(request),
        outcome=AuditEntry.Outcome.FAILED,
        username=str(credentials.get("username", ""))[:150],
    )


@receiver(user_locked_out)
def _locked_out(
    sender: Any, request: HttpRequest, username: str, ip_address: str, **kwargs: Any
) -> None:
    log_action(
        None,
        actions.LOCKED_OUT,
        source_ip=ip_address,
        outcome=AuditEntry.Outcome.DENIED,
        username=str(username or "")[:150],
    )


@receiver(pre_save, sender=User)
def _remember_old_values(sender: Any, instance: User, **kwargs: Any) -> None:
    old = (
        User.objects.filter(pk=instance.pk).values(*AUDITED_FIELDS).first() if instance.pk else None
    )
    instance._audit_old = old  # type: ignore[attr-defined]


@receiver(post_save, sender=User)
def _log_user_change(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    old = getattr(instance, "_audit_old", None)
    if created or old is None:
        log_action(
            instance,
            actions.USER_CREATED,
            region_code=instance.region_id or "",
            data={"role": instance.role, "region": instance.region_id or ""},
        )
        return
    changes = {}
    for field in AUDITED_FIELDS:
        before, after = old[field], getattr(instance, field)
        if before != after:
            # Never write a password hash into the log: only that it changed.
            changes[field] = (
                {"changed": True} if field == "password" else {"from": before, "to": after}
            )
    if changes:
        log_action(
            instance,
            actions.USER_CHANGED,
            region_code=instance.region_id or "",
            data={"changes": changes},
        )
