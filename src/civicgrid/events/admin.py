"""Admin for the incident loop's configuration: Open311 client applications."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from civicgrid.accounts.roles import Cap
from civicgrid.core.admin_access import CapabilityAdminMixin
from civicgrid.core.scoping import root_code
from civicgrid.events.models import Open311Client


@admin.register(Open311Client)
class Open311ClientAdmin(CapabilityAdminMixin, admin.ModelAdmin):  # type: ignore[misc]
    """Clients are listed and switched off here; keys are issued by `civicgrid open311-key`,
    which is the only place a key is ever shown."""

    view_capability = edit_capability = Cap.MANAGE_USERS
    list_display = ("name", "jurisdiction", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "=jurisdiction__code")
    fields = ("name", "jurisdiction", "is_active", "key_hash", "created_at")
    readonly_fields = ("jurisdiction", "key_hash", "created_at")

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Open311Client]:
        return Open311Client.objects.filter(
            jurisdiction__code__startswith=root_code(request.user)  # type: ignore[arg-type]
        ).select_related("jurisdiction")
