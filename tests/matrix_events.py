"""Permission-matrix rows for the incident loop's API, and the cases they act on.

Each acting row has its own case in the state it needs, so rows never depend on each other.
Columns: anonymous, admin, county_operator, town_operator, grid_worker, outsider, leader,
officer (城管 department), staff (community A1).
"""

from __future__ import annotations

import io

from PIL import Image

from civicgrid.events import categories
from civicgrid.events.services import escalation, intake, steps

A1 = (118.5, 31.5)
E = "/api/v1/events"
I = "api/v1/events/incidents/{number}"  # noqa: E741 - the route pattern, as OpenAPI names it


def _row(*statuses):
    from tests.test_permission_matrix import row

    return row(*statuses)


DESK = (401, 403, 200, 200, 403, 404, 403, 404, 200)
HANDLER = (401, 403, 403, 403, 403, 404, 403, 200, 403)
VERIFY = (401, 403, 200, 200, 200, 404, 403, 403, 200)
SEE = (401, 403, 200, 200, 200, 404, 200, 200, 200)
TRIAGE_ON_DISPATCHED = (401, 403, 200, 200, 403, 404, 403, 403, 200)
SUPERVISE = (401, 403, 200, 403, 403, 404, 200, 403, 403)
REPORTER = (401, 403, 403, 403, 200, 404, 403, 404, 403)
ORGANISATION = (401, 403, 403, 403, 403, 403, 403, 200, 403)

ROWS = {
    ("GET", f"{E}/categories", "api/v1/events/categories"): (401, 403, *[200] * 7),
    ("POST", f"{E}/reports", "api/v1/events/reports"): (
        401,
        403,
        201,
        201,
        201,
        201,
        403,
        403,
        201,
    ),
    ("GET", f"{E}/incidents", "api/v1/events/incidents"): (401, 403, *[200] * 7),
    ("GET", f"{E}/tasks", "api/v1/events/tasks"): (401, 403, *[200] * 7),
    ("GET", f"{E}/incidents/{{open}}", I): SEE,
    ("GET", f"{E}/incidents/{{open}}/photos/{{photo}}", f"{I}/photos/{{photo_id}}"): SEE,
    ("POST", f"{E}/incidents/{{reported}}/register", f"{I}/register"): DESK,
    ("POST", f"{E}/incidents/{{reported_reject}}/reject", f"{I}/reject"): DESK,
    ("POST", f"{E}/incidents/{{reported_merge}}/merge", f"{I}/merge"): DESK,
    ("POST", f"{E}/incidents/{{registered}}/dispatch", f"{I}/dispatch"): DESK,
    ("POST", f"{E}/incidents/{{registered_escalate}}/escalate", f"{I}/escalate"): DESK,
    ("POST", f"{E}/incidents/{{dispatched}}/accept", f"{I}/accept"): HANDLER,
    ("POST", f"{E}/incidents/{{dispatched_return}}/return", f"{I}/return"): HANDLER,
    ("POST", f"{E}/incidents/{{handling}}/finish", f"{I}/finish"): HANDLER,
    ("POST", f"{E}/incidents/{{handled}}/close", f"{I}/close"): VERIFY,
    ("POST", f"{E}/incidents/{{handled_rework}}/rework", f"{I}/rework"): VERIFY,
    ("POST", f"{E}/incidents/{{open}}/summon", f"{I}/summon"): TRIAGE_ON_DISPATCHED,
    ("POST", f"{E}/incidents/{{open}}/supervise", f"{I}/supervise"): SUPERVISE,
    ("POST", f"{E}/incidents/{{closed}}/evaluate", f"{I}/evaluate"): REPORTER,
    ("POST", f"{E}/incidents/{{open}}/relocate", f"{I}/relocate"): TRIAGE_ON_DISPATCHED,
    ("POST", f"{E}/incidents/{{open}}/comments", f"{I}/comments"): SEE,
    ("GET", f"{E}/incidents/{{open}}/duplicates", f"{I}/duplicates"): SEE,
    ("GET", f"{E}/incidents/{{open}}/nearest-workers", f"{I}/nearest-workers"): (
        TRIAGE_ON_DISPATCHED
    ),
    ("GET", f"{E}/summonses", "api/v1/events/summonses"): ORGANISATION,
    (
        "POST",
        f"{E}/summonses/{{summons}}/acknowledge",
        "api/v1/events/summonses/{summons_id}/acknowledge",
    ): ORGANISATION,
    # Citizens' tracking is public: the same answer whoever asks.
    ("POST", f"{E}/track", "api/v1/events/track"): (200,) * 9,
    ("POST", f"{E}/track/evaluate", "api/v1/events/track/evaluate"): (200,) * 9,
}


def events_matrix() -> dict:
    return {key: _row(*statuses) for key, statuses in ROWS.items()}


PHONE = "13912345678"
EVENTS_BODIES = {
    ("POST", f"{E}/reports"): (
        "form",
        {"category": "1101", "description": "邻里纠纷", "lng": A1[0], "lat": A1[1]},
    ),
    ("POST", f"{E}/incidents/{{reported}}/register"): {"version": 1},
    ("POST", f"{E}/incidents/{{reported_reject}}/reject"): {"version": 1, "reason": "不属实"},
    ("POST", f"{E}/incidents/{{reported_merge}}/merge"): {"version": 1, "into": "{target}"},
    ("POST", f"{E}/incidents/{{registered}}/dispatch"): {
        "version": 2,
        "handler": "department:{org}",
    },
    ("POST", f"{E}/incidents/{{registered_escalate}}/escalate"): {"version": 2, "note": "上报"},
    ("POST", f"{E}/incidents/{{dispatched}}/accept"): {"version": 3},
    ("POST", f"{E}/incidents/{{dispatched_return}}/return"): {"version": 3, "reason": "非本部门"},
    ("POST", f"{E}/incidents/{{handling}}/finish"): ("form", {"version": 4, "result": "已处理"}),
    ("POST", f"{E}/incidents/{{handled}}/close"): {"version": 5},
    ("POST", f"{E}/incidents/{{handled_rework}}/rework"): {"version": 5, "reason": "未解决"},
    ("POST", f"{E}/incidents/{{open}}/summon"): {"departments": ["{org}"], "hours": 2},
    ("POST", f"{E}/incidents/{{open}}/supervise"): {"note": "请加快"},
    ("POST", f"{E}/incidents/{{closed}}/evaluate"): {"satisfaction": "satisfied"},
    ("POST", f"{E}/incidents/{{open}}/relocate"): {"version": 3, "lng": 118.5, "lat": 32.5},
    ("POST", f"{E}/incidents/{{open}}/comments"): {"text": "已电话联系"},
    ("POST", f"{E}/summonses/{{summons}}/acknowledge"): {"note": "到"},
    ("POST", f"{E}/track"): {"number": "{tracked}", "phone": PHONE},
    ("POST", f"{E}/track/evaluate"): {
        "number": "{tracked_closed}",
        "phone": PHONE,
        "satisfaction": "satisfied",
    },
}


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "red").save(out, "JPEG")
    return out.getvalue()


def events_ids(world) -> dict:
    """The cases the rows act on, each in the state its row needs."""
    categories.load_defaults()
    org = world.officer.organisation

    def new(category="1101", by=None, **kw):
        incident, _ = intake.report_incident(
            category=category, description="测试", by=by or world.grid_worker,
            source="grid_worker", lng=A1[0], lat=A1[1], **kw,
        )  # fmt: skip
        return incident

    def to(stage, incident, handler=None):
        path = ["register", "dispatch", "accept", "finish", "close"]
        for name in path[: path.index(stage) + 1]:
            v = incident.flow.version
            if name == "register":
                steps.register(incident=incident, by=world.staff, version=v)
            elif name == "dispatch":
                chosen = handler or steps.Handler("department", str(org.pk))
                steps.dispatch(incident=incident, to=chosen, by=world.staff, version=v)
            elif name == "accept":
                steps.accept(incident=incident, by=_doer(incident), version=v)
            elif name == "finish":
                steps.finish(incident=incident, by=_doer(incident), version=v, result="好")
            else:
                steps.close(incident=incident, by=world.town_operator, version=v)
        return incident

    def _doer(incident):
        return world.officer if incident.handler_org_id else world.staff

    community = steps.Handler("community", world.community_a.code)
    target = to("register", new())
    opened = to("dispatch", new("0101", photos=[_jpeg()]))
    (summons,) = escalation.summon(incident=opened, departments=[org.pk], by=world.staff)
    return {
        "org": org.pk,
        "reported": new().number,
        "reported_reject": new().number,
        "reported_merge": new().number,
        "target": target.number,
        "registered": to("register", new()).number,
        "registered_escalate": to("register", new()).number,
        "dispatched": to("dispatch", new()).number,
        "dispatched_return": to("dispatch", new()).number,
        "handling": to("accept", new()).number,
        "handled": to("finish", new()).number,
        "handled_rework": to("finish", new()).number,
        "closed": to("close", new(), community).number,
        "open": opened.number,
        "photo": opened.photos.get().pk,
        "summons": summons.pk,
        "tracked": new(by=world.county_operator, reporter_phone=PHONE).number,
        "tracked_closed": to(
            "close", new(by=world.county_operator, reporter_phone=PHONE), community
        ).number,
    }
