"""Permission-matrix rows for the leader's big screen: its page and its API.

Columns as in tests/matrix_numbers.py: anonymous, admin, county_operator, town_operator,
grid_worker, outsider, leader, officer, staff. Town A lies outside the grid workers' and the
community staff's areas (theirs lie inside it): 404 before any right is checked.
"""

from __future__ import annotations

from tests.matrix_numbers import API_OWN, API_TOWN_A, PAGE_OWN, PAGE_TOWN_A, TOWN_A

ROWS = {
    ("GET", "/command/hall/", "command/hall/"): PAGE_OWN,
    ("GET", f"/command/hall/?area={TOWN_A}", "command/hall/"): PAGE_TOWN_A,
    ("GET", "/api/v1/command/hall", "api/v1/command/hall"): API_OWN,
    ("GET", f"/api/v1/command/hall?area={TOWN_A}", "api/v1/command/hall"): API_TOWN_A,
}


def hall_matrix() -> dict:
    from tests.test_permission_matrix import row

    return {key: row(*statuses) for key, statuses in ROWS.items()}
