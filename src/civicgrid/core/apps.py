"""App config for the shared helpers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "civicgrid.core"
    label = "core"
    verbose_name = _("audit")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        # Importing the checks registers the configuration checks (civicgrid.E001 …).
        from civicgrid.core import checks, slow_queries

        del checks
        connection_created.connect(slow_queries.install, dispatch_uid="civicgrid.slow_queries")
