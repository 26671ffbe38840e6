"""`civicgrid regrade-disputes`: grade every open dispute again with the active rules and suggest
an organisation for those waiting to be routed (after a rule change)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django_scopes import scopes_disabled

from civicgrid.core.actor import SYSTEM
from civicgrid.disputes.services.grading import regrade_all


class Command(BaseCommand):
    help = "Grade every open dispute again with the active four-colour rules, in one batch."

    def handle(self, *args: Any, **options: Any) -> None:
        # A command works across areas on purpose (DESIGN.md "Scope").
        with scopes_disabled():
            result = regrade_all(by=SYSTEM)
        self.stdout.write(
            f"{result.graded} graded, {result.changed} changed colour, "
            f"{result.routed} got a routing suggestion ({sum(result.seconds.values()):.1f}s)"
        )
