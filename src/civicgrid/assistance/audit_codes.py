"""The audit action codes of social assistance, each named in words."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicgrid.core.audit import register_action

RECEIVED = "assistance.application.received"
RECEIVED_ELSEWHERE = "assistance.application.received_elsewhere"
VIEWED_UNMASKED = "assistance.application.viewed_unmasked"
VERIFIED = "assistance.verification.queried"
DECIDED = "assistance.decision.proposed"
APPROVED = "assistance.decision.approved"
OBJECTION = "assistance.notice.objection"
PAYMENT_STOPPED = "assistance.payment.stopped"
PAYMENT_RESUMED = "assistance.payment.resumed"
ROLL_EXPORTED = "assistance.roll.exported"
MONITORED = "assistance.monitoring.run"


def register() -> None:
    register_action(RECEIVED, _("registered an assistance application"))
    register_action(RECEIVED_ELSEWHERE, _("registered an assistance application for another area"))
    register_action(VIEWED_UNMASKED, _("viewed an application's incomes, assets and accounts"))
    register_action(VERIFIED, _("queried other departments about a household's economic situation"))
    register_action(DECIDED, _("proposed an assistance decision"))
    register_action(APPROVED, _("approved an assistance decision"))
    register_action(OBJECTION, _("recorded an objection to a public notice"))
    register_action(PAYMENT_STOPPED, _("stopped an assistance payment"))
    register_action(PAYMENT_RESUMED, _("resumed an assistance payment"))
    register_action(ROLL_EXPORTED, _("exported a payment roll for the bank"))
    register_action(MONITORED, _("ran dynamic monitoring"))
