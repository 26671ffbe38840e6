"""Permission-matrix rows for the command centre's numbers: pages, files and API.

Columns: anonymous, admin, county_operator, town_operator, grid_worker, outsider, leader,
officer (城管 department), staff (community A1). Desks and leaders see the numbers of their own
area; an area outside one's own is 404 before any right is checked (so is town A for the grid
worker and the community staff, whose areas lie inside it).
"""

from __future__ import annotations

P = "2026-11-01"
E = "2026-12-01"
PERIOD = f"start={P}&end={E}"
TOWN_A = "320113002"
API = "/api/v1/command/numbers"

PAGE_OWN = (302, 403, 200, 200, 403, 403, 200, 403, 200)
PAGE_TOWN_A = (302, 403, 200, 200, 404, 404, 200, 403, 404)
API_OWN = (401, 403, 200, 200, 403, 403, 200, 403, 200)
API_TOWN_A = (401, 403, 200, 200, 404, 404, 200, 403, 404)

ROWS = {
    ("GET", f"/command/numbers/?{PERIOD}", "command/numbers/"): PAGE_OWN,
    ("GET", f"/command/numbers/?area={TOWN_A}&{PERIOD}", "command/numbers/"): PAGE_TOWN_A,
    ("GET", f"/command/numbers/export/?table=areas&{PERIOD}", "command/numbers/export/"): PAGE_OWN,
    (
        "GET",
        f"/command/numbers/export/?table=summary&area={TOWN_A}&{PERIOD}",
        "command/numbers/export/",
    ): PAGE_TOWN_A,
    ("GET", "/command/numbers/report/?month=2026-11", "command/numbers/report/"): PAGE_OWN,
    (
        "GET",
        f"/command/numbers/report/?month=2026-11&area={TOWN_A}",
        "command/numbers/report/",
    ): PAGE_TOWN_A,
    ("GET", f"{API}/summary?{PERIOD}", "api/v1/command/numbers/summary"): API_OWN,
    ("GET", f"{API}/summary?area={TOWN_A}&{PERIOD}", "api/v1/command/numbers/summary"): (
        API_TOWN_A
    ),
    ("GET", f"{API}/areas?{PERIOD}", "api/v1/command/numbers/areas"): API_OWN,
    ("GET", f"{API}/departments?{PERIOD}", "api/v1/command/numbers/departments"): API_OWN,
    ("GET", f"{API}/workers?{PERIOD}", "api/v1/command/numbers/workers"): API_OWN,
    ("GET", f"{API}/categories?{PERIOD}", "api/v1/command/numbers/categories"): API_OWN,
    ("GET", f"{API}/trend?{PERIOD}", "api/v1/command/numbers/trend"): API_OWN,
    ("GET", f"{API}/assessment?{PERIOD}", "api/v1/command/numbers/assessment"): API_OWN,
    (
        "GET",
        f"{API}/assessment?area={TOWN_A}&{PERIOD}",
        "api/v1/command/numbers/assessment",
    ): API_TOWN_A,
    ("GET", f"{API}/weights", "api/v1/command/numbers/weights"): API_OWN,
}


def numbers_matrix() -> dict:
    from tests.test_permission_matrix import row

    return {key: row(*statuses) for key, statuses in ROWS.items()}
