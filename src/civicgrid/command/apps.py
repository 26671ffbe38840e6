"""App config for the command centre: live board, one map, numbers and assessment."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "civicgrid.command"
    label = "command"
    verbose_name = _("command centre")

    def ready(self) -> None:
        from civicgrid.command import checks, rollups  # noqa: F401 - checks register themselves
        from civicgrid.events.signals import case_changed, cases_changed

        # Keeps the rollups current inside each change's transaction.
        case_changed.connect(rollups.on_case_changed, dispatch_uid="command.rollups")
        cases_changed.connect(rollups.on_cases_changed, dispatch_uid="command.rollups_many")
