"""Permission-matrix rows for the command centre's board and map, and the resources register.

Columns: anonymous, admin, county_operator, town_operator, grid_worker, outsider, leader,
officer (城管 department), staff (community A1).
"""

from __future__ import annotations

from django_scopes import scopes_disabled

from civicgrid.resources import services as resources

C = "/api/v1/command"
R = "/api/v1/resources"
A1 = (118.5, 31.5)

# The board: the desks and the leader (who reads and supervises).
WATCH_PAGE = (302, 403, 200, 200, 403, 403, 200, 403, 200)
WATCH_API = (401, 403, 200, 200, 403, 403, 200, 403, 200)
# The map: everyone who reads cases (each sees their own share).
MAP_PAGE = (302, 403, *[200] * 7)
MAP_API = (401, 403, *[200] * 7)
# The register: read by the field, the desks, leaders and administrators; kept by the desks.
READ = (401, 200, 200, 200, 200, 200, 200, 403, 200)
READ_ONE = (401, 200, 200, 200, 200, 404, 200, 403, 200)
KEEP = (401, 200, 200, 200, 403, 404, 403, 403, 200)
FIELD = (401, 403, 403, 403, 200, 200, 403, 403, 403)

ROWS = {
    ("GET", "/command/", "command/"): WATCH_PAGE,
    ("GET", "/command/board/new/", "command/board/<str:key>/"): WATCH_PAGE,
    ("GET", "/command/map/", "command/map/"): MAP_PAGE,
    ("GET", f"{C}/board", "api/v1/command/board"): WATCH_API,
    ("GET", f"{C}/map?bbox=117.5,30.5,120.5,33.5&zoom=8", "api/v1/command/map"): MAP_API,
    (
        "GET",
        f"{C}/incidents/{{open}}/nearest",
        "api/v1/command/incidents/{number}/nearest",
    ): (401, 403, 200, 200, 200, 404, 200, 200, 200),
    # Field workers (of any town) check in; nobody else has a field position.
    ("POST", f"{C}/checkin", "api/v1/command/checkin"): FIELD,
    ("GET", R, "api/v1/resources"): READ,
    ("POST", R, "api/v1/resources"): (401, 201, 201, 201, 403, 403, 403, 403, 201),
    ("GET", f"{R}/kinds", "api/v1/resources/kinds"): READ,
    ("GET", f"{R}/nearest?lng=118.5&lat=31.5", "api/v1/resources/nearest"): READ,
    ("GET", f"{R}/{{resource}}", "api/v1/resources/{resource_id}"): READ_ONE,
    ("PATCH", f"{R}/{{resource}}", "api/v1/resources/{resource_id}"): KEEP,
    (
        "POST",
        f"{R}/{{resource_retired}}/deactivate",
        "api/v1/resources/{resource_id}/deactivate",
    ): KEEP,
}

COMMAND_BODIES = {
    ("POST", f"{C}/checkin"): {"lng": A1[0], "lat": A1[1]},
    ("POST", R): {"kind": "aed", "name": "社区AED", "lng": A1[0], "lat": A1[1]},
    ("PATCH", f"{R}/{{resource}}"): {"capacity": 500, "capacity_unit": "人"},
    ("POST", f"{R}/{{resource_retired}}/deactivate"): {"reason": "改建"},
}


def command_matrix() -> dict:
    from tests.test_permission_matrix import row

    return {key: row(*statuses) for key, statuses in ROWS.items()}


def command_ids(world) -> dict:
    """Two resources in micro-grid A1: one to read and change, one to take out of service."""
    with scopes_disabled():
        made = [
            resources.create_resource(
                kind="shelter",
                name=f"避难场所{i}",
                lng=A1[0],
                lat=A1[1],
                by=None,
                contact_phone="13912345678",
            )
            for i in range(2)
        ]
    return {"resource": made[0].pk, "resource_retired": made[1].pk}
