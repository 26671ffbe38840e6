"""Admin permissions from our roles' capabilities instead of Django's per-model permission rows."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class CapabilityAdminMixin:
    """Grant admin actions by capability. Staff status alone only opens the admin's door."""

    view_capability: str = ""
    edit_capability: str = ""  # add and change; empty means read-only

    def _can(self, request: HttpRequest, capability: str) -> bool:
        user: Any = request.user
        return bool(capability) and user.is_active and user.is_staff and user.can(capability)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._can(request, self.view_capability)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._can(request, self.view_capability)

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return self._can(request, self.edit_capability)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._can(request, self.edit_capability)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # nothing here is deleted by a click: accounts are deactivated instead
