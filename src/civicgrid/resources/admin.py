"""Admin for the emergency resources register: every save goes through the services (placed by
its point, checked, audited); nothing is deleted, resources are taken out of service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.core.admin_access import CapabilityAdminMixin
from civicgrid.core.errors import DomainError
from civicgrid.resources import services
from civicgrid.resources.models import Resource

# The fields a form sends to the services (the micro-grid is found from the point).
FORM_FIELDS = (
    "kind",
    "name",
    "address",
    "capacity",
    "capacity_unit",
    "contact_name",
    "contact_phone",
    "lng",
    "lat",
    "note",
    "is_active",
)


class ResourceForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = FORM_FIELDS

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.cleaned = services.clean({k: data.get(k) for k in FORM_FIELDS}, by=self.user)
        except DomainError as exc:
            field = exc.details.get("field")
            if exc.code in ("resources.outside_area", "locate.invalid_coordinates"):
                field = "lng"
            elif exc.code == "resources.bad_phone":
                field = "contact_phone"
            elif exc.code == "resources.unknown_kind":
                field = "kind"
            self.add_error(field if field in FORM_FIELDS else None, str(exc.message))
        return data


@admin.register(Resource)
class ResourceAdmin(CapabilityAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    view_capability = Cap.RESOURCES_VIEW
    edit_capability = Cap.RESOURCES_EDIT
    form = ResourceForm
    list_display = ("name", "kind", "capacity", "capacity_unit", "region", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "address", "region__code")
    readonly_fields = ("region", "created_at", "updated_at")
    actions = ("deactivate",)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kw: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kw)

        class WithUser(form_class):  # type: ignore[misc,valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, user=request.user, **kwargs)

        return WithUser

    def save_model(self, request: HttpRequest, obj: Resource, form: Any, change: bool) -> None:
        cleaned = {k: form.cleaned_data.get(k) for k in FORM_FIELDS}
        if change:
            original = Resource.all_objects.get(pk=obj.pk)
            changes = {k: v for k, v in cleaned.items() if k in form.changed_data}
            if {"lng", "lat"} & set(changes):
                changes.update(lng=cleaned["lng"], lat=cleaned["lat"])
            saved = services.update_resource(resource=original, by=request.user, changes=changes)
        else:
            active = cleaned.pop("is_active")
            saved = services.create_resource(by=request.user, **cleaned)
            if not active:
                saved = services.deactivate_resource(resource=saved, by=request.user)
        obj.pk, obj.region_id = saved.pk, saved.region_id

    @admin.action(description=_("Take the selected resources out of service"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Resource]) -> None:
        if not self.has_change_permission(request):
            return
        for resource in queryset:
            services.deactivate_resource(resource=resource, by=request.user)
        self.message_user(request, _("Taken out of service."), messages.SUCCESS)
