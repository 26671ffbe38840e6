"""App config for the emergency resources register (应急资源一张图)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "civicgrid.resources"
    label = "resources"
    verbose_name = _("emergency resources")
