"""App config for users, roles and organisations."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicgrid.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from civicgrid.accounts import signals  # noqa: F401  (connects the audit receivers)
