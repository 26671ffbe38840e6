"""The security administrator's admin: lockouts (django-axes) and second factors (django-otp).

Registered here instead of by those libraries so that the capability decides, not superuser
status: the system administrator cannot unlock or reset, the security administrator can.
"""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgrid.accounts.roles import Cap
from civicgrid.core.admin_access import CapabilityAdminMixin


class SecurityAdminMixin(CapabilityAdminMixin):
    view_capability = Cap.MANAGE_SECURITY

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Deleting a lock unlocks the account; deleting a device resets the second factor.
        return self._can(request, Cap.MANAGE_SECURITY)


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
