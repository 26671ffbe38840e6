"""App config for the command centre: live board, one map, numbers and assessment."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "civicgrid.command"
    label = "command"
    verbose_name = _("command centre")
