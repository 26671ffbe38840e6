"""App config for the household register."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "civicgrid.people"
    label = "people"
    verbose_name = _("household register")
