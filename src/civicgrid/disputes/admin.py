"""Admin for the dispute app's configuration: types, the four-colour rules, mediation
organisations' profiles and the document templates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.core.admin_access import CapabilityAdminMixin
from civicgrid.core.audit import log_action, register_action
from civicgrid.disputes import rules
from civicgrid.disputes.models import DisputeType, DocumentTemplate, MediationProfile, RuleSet

register_action("disputes.config.changed", _("changed the dispute configuration"))


class _Logged(CapabilityAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    view_capability = edit_capability = Cap.DISPUTES_RULES

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        log_action(obj, "disputes.config.changed", by=request.user, data={"model": obj._meta.model_name, "fields": list(form.changed_data)})  # fmt: skip
        rules.forget()


@admin.register(DisputeType)
class DisputeTypeAdmin(_Logged):
    list_display = ("code", "name", "name_en", "order", "is_active")
    list_filter = ("is_active",)


@admin.register(RuleSet)
class RuleSetAdmin(_Logged):
    """A rule set saved active replaces the active one; re-grade open disputes afterwards with
    `manage.py regrade_disputes`."""

    list_display = ("name", "is_active", "created_at")

    def save_model(self, request: HttpRequest, obj: RuleSet, form: Any, change: bool) -> None:
        if obj.is_active:
            RuleSet.objects.exclude(pk=obj.pk).filter(is_active=True).update(is_active=False)
        super().save_model(request, obj, form, change)


@admin.register(MediationProfile)
class MediationProfileAdmin(_Logged):
    edit_capability = Cap.MANAGE_ORGS
    view_capability = Cap.MANAGE_ORGS
    list_display = ("organisation", "channel", "capacity", "named_mediator")
    list_filter = ("channel",)
    raw_id_fields = ("organisation",)


class TemplateForm(forms.ModelForm):
    upload = forms.FileField(label=_("DOCX file"), required=True)

    class Meta:
        model = DocumentTemplate
        fields = ("kind",)

    def clean_upload(self) -> bytes:
        data = self.cleaned_data["upload"].read()
        if not data.startswith(b"PK\x03\x04"):
            raise forms.ValidationError(_("Upload a Word document (.docx)."))
        return bytes(data)

    def save(self, commit: bool = True) -> DocumentTemplate:
        self.instance.content = self.cleaned_data["upload"]
        return super().save(commit)  # type: ignore[no-any-return]


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(_Logged):
    form = TemplateForm
    list_display = ("kind", "updated_at")
