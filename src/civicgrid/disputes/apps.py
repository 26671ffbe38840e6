"""App config for dispute mediation; declares its workflow and listens for referrals on start."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "civicgrid.disputes"
    label = "disputes"
    verbose_name = _("disputes")

    def ready(self) -> None:
        from civicgrid.disputes import flow, receivers

        flow.register()
        receivers.connect()
