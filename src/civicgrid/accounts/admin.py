"""Admin for users and organisations, limited to the administrator's subtree."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts import selectors
from civicgrid.accounts.models import Organisation, User
from civicgrid.accounts.roles import STAFF_ROLES, Cap, Role
from civicgrid.core.admin_access import CapabilityAdminMixin


@admin.register(User)
class UserAdmin(CapabilityAdminMixin, DjangoUserAdmin):  # type: ignore[misc]
    view_capability = edit_capability = Cap.MANAGE_USERS
    list_display = (
        "username",
        "first_name",
        "role",
        "region",
        "organisation",
        "is_active",
        "is_demo",
    )
    list_filter = ("role", "is_active", "is_demo")
    search_fields = ("username", "first_name", "=region__code")
    raw_id_fields = ("region",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email", "phone")}),
        (_("Role and area"), {"fields": ("role", "region", "organisation")}),
        (
            _("Status"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_demo",
                    "last_login",
                    "date_joined",
                    "password_changed_at",
                )
            },
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "password1", "password2", "role", "region", "organisation"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined", "password_changed_at", "is_demo")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return selectors.users_visible_to(request.user)  # type: ignore[arg-type]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = (*super().get_readonly_fields(request, obj), "is_staff")
        if obj is not None and obj.pk == request.user.pk:
            # Nobody moves themselves into another duty (separation of duties).
            fields += ("role", "region", "is_active")
        return fields

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if obj.is_superuser and obj.role != Role.ADMIN:
            raise PermissionDenied  # the database constraint would refuse it too
        obj.is_staff = obj.role in STAFF_ROLES  # the admin's door follows the role
        super().save_model(request, obj, form, change)


@admin.register(Organisation)
class OrganisationAdmin(CapabilityAdminMixin, admin.ModelAdmin):  # type: ignore[misc]
    view_capability = edit_capability = Cap.MANAGE_ORGS
    list_display = ("name", "kind", "sector", "region", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "sector")
    raw_id_fields = ("region",)


from civicgrid.accounts import admin_security  # noqa: E402, F401  (lockouts, second factors)
