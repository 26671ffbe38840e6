"""Admin for the incident loop's configuration: the taxonomy (editable by those who manage
categories) and the Open311 client applications."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.core.admin_access import CapabilityAdminMixin
from civicgrid.core.audit import log_action, register_action
from civicgrid.core.scoping import root_code
from civicgrid.events import categories
from civicgrid.events.models import Category, Open311Client

register_action("events.category.changed", _("changed an incident category"))


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        exclude: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for stage in categories.STAGES:
            hours = data.get(f"{stage}_hours")
            if hours is not None and hours <= 0:
                self.add_error(f"{stage}_hours", _("Hours must be more than zero."))
        problems = categories.open311_problems(data.get("open311_attributes") or [])
        if problems:
            self.add_error("open311_attributes", "; ".join(problems))
        code, parent = data.get("code") or "", data.get("parent")
        if parent is None and len(code) != 2:
            self.add_error("code", _("A class has a two-digit code."))
        if parent is not None and (len(code) != 4 or not code.startswith(parent.code)):
            self.add_error("code", _("A subclass code is its class code and two more digits."))
        return data


@admin.register(Category)
class CategoryAdmin(CapabilityAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    view_capability = edit_capability = Cap.EVENTS_CATEGORIES
    form = CategoryForm
    list_display = ("code", "name", "sector", "priority", "photo_required", "open311_enabled")
    list_filter = ("kind", "priority", "photo_required", "open311_enabled", "is_active")
    search_fields = ("code", "name", "name_en", "sector")
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "parent", "kind", "is_active")}),
        (_("Routing"), {"fields": ("sector", "priority", "photo_required")}),
        (
            _("Stage hours (empty: the default loop for the priority)"),
            {"fields": tuple(f"{stage}_hours" for stage in categories.STAGES)},
        ),
        (
            _("Open311"),
            {
                "fields": (
                    "open311_enabled",
                    "open311_group",
                    "open311_keywords",
                    "open311_attributes",
                )
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        log_action(
            obj,
            "events.category.changed",
            by=request.user,
            data={"fields": list(form.changed_data), "created": not change},
        )
        categories.changed()


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
