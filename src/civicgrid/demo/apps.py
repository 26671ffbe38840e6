"""The demo world: project wiring that may use every app (see the `demo` command)."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "civicgrid.demo"
    label = "demo"
    verbose_name = "Demo"
