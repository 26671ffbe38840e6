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
}


def hardening_matrix() -> dict:
    from tests.test_permission_matrix import row

    return {key: row(*statuses) for key, statuses in ROWS.items()}
