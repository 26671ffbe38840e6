"""Admin for the place tree. It runs inside the administrator's region scope like every page."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from civicgrid.regions.models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
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

    def has_delete_permission(self, request: HttpRequest, obj: Region | None = None) -> bool:
        # Regions are referenced by everything; retire them by import, never by a click.
        return False
