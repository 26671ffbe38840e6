"""System check: the COMMAND_SCORE_WEIGHTS setting, when given, is a valid set of weights."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from civicgrid.core.errors import DomainError


@register()
def score_weights(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from civicgrid.command.indicators import check_weights

    configured = getattr(settings, "COMMAND_SCORE_WEIGHTS", None)
    if not configured:
        return []
    try:
        check_weights(dict(configured))
    except (DomainError, TypeError, ValueError) as exc:
        return [
            Error(
                f"COMMAND_SCORE_WEIGHTS: {exc}",
                hint="Give dispatch_rate, handle_rate, close_rate, rework_free_rate and "
                "satisfaction_rate as whole numbers of zero or more adding up to 100.",
                id="civicgrid.command.E001",
            )
        ]
    return []
