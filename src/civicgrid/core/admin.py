"""Read-only admin for the audit log: no add, change or delete path exists."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin_access import CapabilityAdminMixin
from civicgrid.core.audit import describe
from civicgrid.core.audit_log import entries_visible_to
from civicgrid.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(CapabilityAdminMixin, admin.ModelAdmin):  # type: ignore[misc]
    view_capability = "core.read_audit"  # read-only: no edit capability exists
    list_display = (
        "at",
        "actor_username",
        "source_ip",
        "what",
        "object_repr",
        "region_code",
        "outcome",
    )
    list_filter = ("outcome", "action")
    search_fields = ("actor_username", "action", "object_id", "=region_code")
    date_hierarchy = "at"
    show_full_result_count = False
    # Adds the CSV and Excel export links (core.views.export) above the list.
    change_list_template = "admin/core/auditentry/change_list.html"

    @admin.display(description=_("what"), ordering="action")
    def what(self, obj: AuditEntry) -> str:
        return f"{describe(obj.action)} ({obj.action})"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        return entries_visible_to(request.user)
