"""Permission-matrix rows for social assistance's API, and the objects they act on.

Columns: anonymous, admin, county_operator, town_operator, grid_worker, outsider, leader,
officer, staff. Acting rows send a stale version or an empty text, so an allowed persona gets
the domain's 409/400 after every scope and right was checked, and nothing changes.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

S = "/api/v1/assistance"
P = "api/v1/assistance"
N = "{assist_app}"

VIEW = (401, 403, 200, 200, 200, 200, 403, 403, 200)
ONE = (401, 403, 200, 200, 200, 404, 403, 403, 200)
REVIEW_ONLY = (401, 403, 403, 200, 403, 403, 403, 403, 403)
PAY = (401, 403, 403, 403, 403, 404, 403, 403, 403)
PAY_AREA = (401, 403, 403, 403, 403, 403, 403, 403, 403)

ROWS = {
    ("GET", f"{S}/applications", f"{P}/applications"): VIEW,
    ("POST", f"{S}/applications", f"{P}/applications"): (401, 403, 403, 403, 409, 409, 403, 403, 409),
    ("GET", f"{S}/applications/{N}", f"{P}/applications/{{number}}"): ONE,
    ("POST", f"{S}/applications/{N}/unmasked", f"{P}/applications/{{number}}/unmasked"): (
        401, 403, 403, 200, 403, 404, 403, 403, 403,
    ),
    ("POST", f"{S}/applications/{N}/act/accept", f"{P}/applications/{{number}}/act/{{step}}"): (
        401, 403, 403, 403, 409, 404, 403, 403, 409,
    ),
    ("POST", f"{S}/verify", f"{P}/verify"): REVIEW_ONLY,
    ("POST", f"{S}/applications/{N}/objections", f"{P}/applications/{{number}}/objections"): (
        401, 403, 409, 409, 409, 404, 403, 403, 409,
    ),
    ("POST", f"{S}/objections/{{assist_objection}}/resolve", f"{P}/objections/{{objection_id}}/resolve"): (
        401, 403, 403, 400, 403, 404, 403, 403, 403,
    ),
    ("POST", f"{S}/applications/{N}/plan", f"{P}/applications/{{number}}/plan"): (
        401, 403, 403, 400, 403, 404, 403, 403, 403,
    ),
    ("GET", f"{S}/households/{{assist_household}}/plan", f"{P}/households/{{household_id}}/plan"): ONE,
    ("POST", f"{S}/applications/{N}/payment", f"{P}/applications/{{number}}/payment"): PAY,
    ("POST", f"{S}/roll", f"{P}/roll"): PAY_AREA,
    ("POST", f"{S}/roll/export", f"{P}/roll/export"): PAY_AREA,
    ("GET", f"{S}/alerts", f"{P}/alerts"): VIEW,
    ("POST", f"{S}/alerts/{{assist_alert}}/close", f"{P}/alerts/{{alert_id}}/close"): (
        401, 403, 403, 403, 400, 404, 403, 403, 400,
    ),
    ("POST", f"{S}/monitoring", f"{P}/monitoring"): REVIEW_ONLY,
    ("GET", f"{S}/numbers", f"{P}/numbers"): (401, 403, 200, 200, 403, 403, 200, 403, 200),
}  # fmt: skip

# The pages: signed-out visitors are sent to the login page.
ROWS |= {
    ("GET", "/assistance/", "assistance/"): (302, 403, 200, 200, 200, 200, 200, 403, 200),
    ("GET", "/assistance/new/", "assistance/new/"): (302, 403, 403, 403, 200, 200, 403, 403, 200),
    ("GET", "/assistance/alerts/", "assistance/alerts/"): (302, 403, 200, 200, 200, 200, 403, 403, 200),
    ("GET", "/assistance/roll/", "assistance/roll/"): (302, *[403] * 8),
    ("GET", f"/assistance/{N}/", "assistance/<str:number>/"): (302, 403, 200, 200, 200, 404, 403, 403, 200),
    ("POST", f"/assistance/{N}/act/accept/", "assistance/<str:number>/act/<str:step>/"): (
        302, 403, 403, 403, 400, 404, 403, 403, 400,
    ),
    ("POST", f"/assistance/{N}/unmask/", "assistance/<str:number>/unmask/"): (
        302, 403, 403, 200, 403, 404, 403, 403, 403,
    ),
}  # fmt: skip

ASSISTANCE_BODIES = {
    ("POST", f"/assistance/{N}/act/accept/"): ("form", {"version": "99"}),
    ("POST", f"/assistance/{N}/unmask/"): ("form", {"reason": "权限矩阵"}),
    ("POST", f"{S}/applications"): {"applicant_id_number": "{assist_applicant}"},
    ("POST", f"{S}/applications/{N}/unmasked"): {"reason": "权限矩阵"},
    ("POST", f"{S}/applications/{N}/act/accept"): {"version": 99},
    ("POST", f"{S}/verify"): {"numbers": [N]},
    ("POST", f"{S}/applications/{N}/objections"): {"text": "异议"},
    ("POST", f"{S}/objections/{{assist_objection}}/resolve"): {"text": ""},
    ("POST", f"{S}/applications/{N}/plan"): {"responsible": ""},
    ("POST", f"{S}/applications/{N}/payment"): {"stop": True, "reason": "x"},
    ("POST", f"{S}/roll"): {"county": "320113", "month": "2024-07-01"},
    ("POST", f"{S}/roll/export"): {"county": "320113", "month": "2024-07-01", "reason": "x"},
    ("POST", f"{S}/alerts/{{assist_alert}}/close"): {"text": ""},
    ("POST", f"{S}/monitoring"): {"area": "320113002001"},
}


def assistance_ids(world) -> dict:
    """An application of the world's household (received), an objection, a plan, an alert."""
    from civicgrid.assistance.models import Alert, Objection, Plan
    from civicgrid.assistance.services import applications

    application = applications.register_application(
        applicant_id_number=world.resident.id_number, by=world.staff
    )
    objection = Objection.objects.create(application=application, text="矩阵")
    Plan.all_objects.create(
        household=world.household, region_id=world.micro_a1.code, score=50,
        review_on=date.today() + timedelta(days=180),
    )  # fmt: skip
    alert = Alert.all_objects.create(
        household=world.household, region_id=world.micro_a1.code, kind="hardship",
        signal="disability", due_at=timezone.now() + timedelta(days=14),
    )  # fmt: skip
    return {
        "assist_app": application.number,
        "assist_applicant": world.resident.id_number,
        "assist_objection": objection.pk,
        "assist_household": world.household.pk,
        "assist_alert": alert.pk,
    }


def assistance_matrix() -> dict:
    from tests.test_permission_matrix import row

    return {key: row(*statuses) for key, statuses in ROWS.items()}
