"""What the dispute app listens to: cases of other domains referred to mediation."""

from __future__ import annotations

from typing import Any

from civicgrid.workflow.signals import dispute_referred


def on_dispute_referred(sender: Any, **data: Any) -> None:
    from civicgrid.disputes.services.referral import receive_referral

    receive_referral(**data)


def connect() -> None:
    dispute_referred.connect(on_dispute_referred, dispatch_uid="disputes.referral")
