"""App config for social assistance; declares the application workflow on start."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "civicgrid.assistance"
    label = "assistance"
    verbose_name = _("social assistance")

    def ready(self) -> None:
        from civicgrid.assistance import audit_codes, loop

        loop.register()
        audit_codes.register()
