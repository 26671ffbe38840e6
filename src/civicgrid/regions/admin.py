"""Admin for the place tree. It runs inside the administrator's region scope like every page."""

from __future__ import annotations

from django.contrib import admin

from civicgrid.core.admin_access import CapabilityAdminMixin
from civicgrid.regions.models import Region


@admin.register(Region)
class RegionAdmin(CapabilityAdminMixin, admin.ModelAdmin):  # type: ignore[misc]
    view_capability = "regions.view"
    edit_capability = "regions.edit_boundaries"
    list_display = ("code", "name", "level", "households", "residents", "source")
    list_filter = ("level", "source")
    search_fields = ("=code", "name")
    ordering = ("code",)
    list_per_page = 50
    show_full_result_count = False  # counting the whole province on every page is slow
    raw_id_fields = ("parent",)
    readonly_fields = ("updated_at", "boundary_size")
    exclude = ("boundary",)

    @admin.display(description="boundary (bytes of WKB)")
    def boundary_size(self, obj: Region) -> int:
        return len(obj.boundary or b"")
