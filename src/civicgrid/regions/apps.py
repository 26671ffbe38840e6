"""App config for the place tree."""

from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "civicgrid.regions"
    label = "regions"
    verbose_name = "Regions"
