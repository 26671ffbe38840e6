"""App config for users, roles and organisations."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "civicgrid.accounts"
    label = "accounts"
    verbose_name = _("accounts")

    def ready(self) -> None:
        from civicgrid.accounts import signals  # noqa: F401  (connects the audit receivers)
