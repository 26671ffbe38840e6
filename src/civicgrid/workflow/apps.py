"""App config for the shared case engine."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "civicgrid.workflow"
    label = "workflow"
    verbose_name = _("case engine")
