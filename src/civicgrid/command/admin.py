"""Admin for the assessment's weights: whole points per indicator, adding up to 100."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Cap
from civicgrid.command.models import ScoreWeights
from civicgrid.core.admin_access import CapabilityAdminMixin
from civicgrid.core.audit import log_action, register_action

CHANGED = register_action("command.weights.changed", _("changed the assessment weights"))


@admin.register(ScoreWeights)
class ScoreWeightsAdmin(CapabilityAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    view_capability = Cap.COMMAND_WEIGHTS
    edit_capability = Cap.COMMAND_WEIGHTS
    list_display = (
        "region",
        "dispatch_rate",
        "handle_rate",
        "close_rate",
        "rework_free_rate",
        "satisfaction_rate",
        "updated_at",
    )
    raw_id_fields = ("region",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        log_action(obj, CHANGED, by=request.user, data=obj.as_dict())
