"""Permission-matrix rows for the hardening pages: password change, second factor, audit export.

Columns: anonymous, admin, county_operator, town_operator, grid_worker, outsider, leader,
officer, staff. The audit administrator (the only one who exports) is no persona of the matrix:
tests/core/test_audit_export.py covers them. The admin persona has passed its second factor
(tests/conftest.py client_for), so its device exists; the others have none and are sent to set-up.
"""

from __future__ import annotations

SIGNED_IN = (302, 200, 200, 200, 200, 200, 200, 200, 200)
ROWS = {
    ("GET", "/accounts/password/", "accounts/password/"): SIGNED_IN,
    ("GET", "/accounts/2fa/", "accounts/2fa/"): (302, 200, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "/accounts/2fa/setup/", "accounts/2fa/setup/"): SIGNED_IN,
    ("GET", "/audit/export/", "audit/export/"): (302, 403, 403, 403, 403, 403, 403, 403, 403),
    # The language menu (remembered on the account when signed in).
    ("POST", "/i18n/setlang/", "i18n/setlang/"): (302, 302, 302, 302, 302, 302, 302, 302, 302),
    # Cross-area access: anyone signed in sees their own grants; only the grantee (the staff
    # persona) takes theirs up; only a security administrator (no persona) grants and revokes.
    ("GET", "/accounts/area/", "accounts/area/"): SIGNED_IN,
    ("POST", "/accounts/area/", "accounts/area/"): (302, 404, 404, 404, 404, 404, 404, 404, 302),
    ("GET", "/accounts/grants/", "accounts/grants/"): (302, 403, 403, 403, 403, 403, 403, 403, 403),
    ("POST", "/accounts/grants/{area_grant}/revoke/", "accounts/grants/<int:grant_id>/revoke/"): (
        302, 403, 403, 403, 404, 404, 403, 403, 403,
    ),
}  # fmt: skip
BODIES = {
    ("POST", "/accounts/area/"): ("form", {"grant": "{area_grant}"}),
    ("POST", "/i18n/setlang/"): ("form", {"language": "en", "next": "/"}),
}


def hardening_ids(world) -> dict:
    """A grant of the other community to the staff persona, by a security administrator."""
    from civicgrid.accounts.roles import Role
    from civicgrid.accounts.services import grant_area
    from tests import factories as f

    security = f.user("matrix_security", Role.SECURITY_ADMIN, "32")
    grant = grant_area(
        user=world.staff, region_code=world.community_b.code, reason="matrix", hours=1, by=security
    )
    return {"area_grant": grant.pk}


def hardening_matrix() -> dict:
    from tests.test_permission_matrix import row

    return {key: row(*statuses) for key, statuses in ROWS.items()}
