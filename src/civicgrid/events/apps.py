"""App config for incidents and the closed loop; declares the loop's workflow on start."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "civicgrid.events"
    label = "events"
    verbose_name = _("incidents")

    def ready(self) -> None:
        from civicgrid.events import loop

        loop.register()
