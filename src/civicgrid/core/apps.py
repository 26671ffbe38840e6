"""App config for the shared helpers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "civicgrid.core"
    label = "core"
    verbose_name = _("audit")

    def ready(self) -> None:
        from civicgrid.core import checks  # noqa: F401  (registers the configuration checks)
