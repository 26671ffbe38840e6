"""Django's model backend, refusing demo accounts unless DEMO_ACCOUNTS_ALLOWED (DEBUG) is on."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        # Also asked for every request's session (get_user): a demo session opened while DEBUG
        # was on ends when the site restarts in production mode.
        if getattr(user, "is_demo", False) and not settings.DEMO_ACCOUNTS_ALLOWED:
            return False
        return super().user_can_authenticate(user)
