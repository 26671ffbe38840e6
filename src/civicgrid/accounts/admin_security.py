"""The security administrator's admin: lockouts (django-axes) and second factors (django-otp).

Registered here instead of by those libraries so that the capability decides, not superuser
status: the system administrator cannot unlock or reset, the security administrator can.
"""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgrid.accounts import actions
from civicgrid.accounts.models import User
from civicgrid.accounts.roles import Cap
from civicgrid.core.admin_access import CapabilityAdminMixin
from civicgrid.core.audit import log_action


class SecurityAdminMixin(CapabilityAdminMixin):
    view_capability = Cap.MANAGE_SECURITY

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Deleting a lock unlocks the account; deleting a device resets the second factor.
        return self._can(request, Cap.MANAGE_SECURITY)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)  # type: ignore[misc]
        _log_removal(obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        removed = list(queryset)
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        for obj in removed:
            _log_removal(obj, by=request.user)


def _log_removal(obj: Any, *, by: Any) -> None:
    """An unlock or a second-factor reset is a change to someone's account: audit-logged."""
    if isinstance(obj, AccessAttempt):
        data = {"username": obj.username, "address": obj.ip_address}
        log_action(None, actions.UNLOCKED, by=by, data=data)
    else:
        owner = User.objects.filter(pk=obj.user_id).first()
        data = {"device": obj._meta.model_name, "username": owner.username if owner else ""}
        log_action(owner, actions.SECOND_FACTOR_RESET, by=by, data=data)


class LockAdmin(SecurityAdminMixin, AccessAttemptAdmin):  # type: ignore[misc]
    pass


class LogAdmin(SecurityAdminMixin, AccessLogAdmin):  # type: ignore[misc]
    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class FailureLogAdmin(SecurityAdminMixin, AccessFailureLogAdmin):  # type: ignore[misc]
    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class DeviceAdmin(SecurityAdminMixin, admin.ModelAdmin):  # type: ignore[misc]
    """Shows no secret, no QR code and no backup code (the libraries' own admins do): a reset is
    a delete, and the user enrols again at their next sign-in."""

    list_display = ["user", "name", "confirmed"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = ["user", "name", "confirmed"]


SECURITY_ADMINS: list[tuple[type[Model], type[admin.ModelAdmin[Any]]]] = [
    (AccessAttempt, LockAdmin),
    (AccessLog, LogAdmin),
    (AccessFailureLog, FailureLogAdmin),
    (TOTPDevice, DeviceAdmin),
    (StaticDevice, DeviceAdmin),
]
for model, model_admin in SECURITY_ADMINS:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
