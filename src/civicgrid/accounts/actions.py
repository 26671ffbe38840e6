"""Audit action codes of the accounts app."""

from django.utils.translation import gettext_lazy as _

from civicgrid.core.audit import register_action

LOGIN = register_action("accounts.login", _("signed in"))
LOGOUT = register_action("accounts.logout", _("signed out"))
LOGIN_FAILED = register_action("accounts.login_failed", _("failed to sign in"))
LOCKED_OUT = register_action("accounts.locked_out", _("was locked out after repeated failures"))
USER_CREATED = register_action("accounts.user.created", _("created a user"))
USER_CHANGED = register_action("accounts.user.changed", _("changed a user"))
ORG_CREATED = register_action("accounts.organisation.created", _("created an organisation"))
SECOND_FACTOR_ENROLLED = register_action(
    "accounts.second_factor.enrolled", _("set up a second factor")
)
SECOND_FACTOR_PASSED = register_action(
    "accounts.second_factor.passed", _("passed the second factor")
)
SECOND_FACTOR_FAILED = register_action(
    "accounts.second_factor.failed", _("gave a wrong second-factor code")
)
PASSWORD_CHANGED = register_action("accounts.password.changed", _("changed their password"))
UNLOCKED = register_action("accounts.unlocked", _("unlocked an account"))
SECOND_FACTOR_RESET = register_action("accounts.second_factor.reset", _("reset a second factor"))
AREA_GRANTED = register_action("accounts.area_grant.granted", _("granted access to another area"))
AREA_GRANT_REVOKED = register_action(
    "accounts.area_grant.revoked", _("revoked access to another area")
)
AREA_GRANT_TAKEN_UP = register_action(
    "accounts.area_grant.taken_up", _("began working in another area under a grant")
)
AREA_GRANT_LEFT = register_action("accounts.area_grant.left", _("went back to their own area"))
AREA_GRANT_USED = register_action(
    "accounts.area_grant.request", _("made a request in another area under a grant")
)
