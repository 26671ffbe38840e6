"""Permission-matrix rows for the dispute app's API and pages, and the cases they act on.

Each acting row has its own dispute in the state it needs. Columns: anonymous, admin,
county_operator, town_operator, grid_worker, outsider, leader, officer (城管), staff (community
A1). Mediating is the work of mediators, who are not among the matrix's personas: those rows are
403 for everyone here (tests/disputes covers the mediators).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_scopes import scopes_disabled

from civicgrid.accounts.models import Organisation
from civicgrid.accounts.roles import Role
from civicgrid.disputes.models import Channel, FollowUp, MediationProfile
from civicgrid.disputes.services import attachments, followup, intake, mediation
from tests import factories as f

A1 = "320113002001001001"
D = "/api/v1/disputes"
C = "api/v1/disputes/cases/{number}"
P = "disputes/<str:number>/"


def _row(*statuses):
    from tests.test_permission_matrix import row

    return row(*statuses)


VIEW = (401, 403, 200, 200, 200, 200, 200, 403, 200)
SEE = (401, 403, 200, 200, 200, 404, 200, 403, 200)
DESK = (401, 403, 200, 200, 403, 404, 403, 403, 200)
INTAKE_ONE = (401, 403, 200, 200, 200, 404, 403, 403, 200)
FIELD = (401, 403, 200, 200, 200, 404, 403, 403, 200)
MEDIATE = (401, 403, 403, 403, 403, 404, 403, 403, 403)
NUMBERS = (401, 403, 200, 200, 403, 403, 200, 403, 200)
PAGE_VIEW = (302, 403, 200, 200, 200, 200, 200, 403, 200)
PAGE_SEE = (302, 403, 200, 200, 200, 404, 200, 403, 200)
PAGE_NUMBERS = (302, 403, 200, 200, 403, 403, 200, 403, 200)
PAGE_INTAKE = (302, 403, 200, 200, 200, 200, 403, 403, 200)

ROWS = {
    ("GET", f"{D}/types", "api/v1/disputes/types"): VIEW,
    ("POST", f"{D}/cases", "api/v1/disputes/cases"): (401, 403, 201, 201, 201, 400, 403, 403, 201),
    ("GET", f"{D}/cases", "api/v1/disputes/cases"): VIEW,
    ("GET", f"{D}/cases/{{d_open}}", C): SEE,
    ("POST", f"{D}/cases/{{d_facts}}/facts", f"{C}/facts"): INTAKE_ONE,
    ("GET", f"{D}/cases/{{d_open}}/suggestions", f"{C}/suggestions"): DESK,
    ("POST", f"{D}/cases/{{d_to_route}}/route", f"{C}/route"): DESK,
    ("POST", f"{D}/cases/{{d_to_assign}}/assign", f"{C}/assign"): DESK,
    ("POST", f"{D}/cases/{{d_mediating}}/sessions", f"{C}/sessions"): MEDIATE,
    (
        "POST",
        f"{D}/cases/{{d_mediating}}/sessions/{{d_session}}/record",
        f"{C}/sessions/{{session_id}}/record",
    ): MEDIATE,
    ("POST", f"{D}/cases/{{d_mediating}}/agreement", f"{C}/agreement"): MEDIATE,
    ("POST", f"{D}/cases/{{d_mediating}}/no-agreement", f"{C}/no-agreement"): MEDIATE,
    ("POST", f"{D}/cases/{{d_agreed}}/confirmation", f"{C}/confirmation"): MEDIATE,
    ("POST", f"{D}/cases/{{d_to_withdraw}}/withdraw", f"{C}/withdraw"): DESK,
    (
        "POST",
        f"{D}/cases/{{d_agreed}}/follow-ups/{{d_visit}}",
        f"{C}/follow-ups/{{follow_up_id}}",
    ): FIELD,
    ("POST", f"{D}/cases/{{d_to_close}}/close", f"{C}/close"): DESK,
    ("POST", f"{D}/cases/{{d_to_reopen}}/reopen", f"{C}/reopen"): DESK,
    (
        "GET",
        f"{D}/cases/{{d_open}}/documents/application.docx",
        f"{C}/documents/{{kind}}.{{fmt}}",
    ): DESK,
    ("POST", f"{D}/cases/{{d_open}}/attachments", f"{C}/attachments"): (
        401,
        403,
        400,
        400,
        400,
        404,
        403,
        403,
        400,
    ),
    (
        "GET",
        f"{D}/cases/{{d_open}}/attachments/{{d_attachment}}",
        f"{C}/attachments/{{attachment_id}}",
    ): SEE,
    ("GET", f"{D}/numbers", "api/v1/disputes/numbers"): NUMBERS,
    ("GET", f"{D}/numbers.xlsx", "api/v1/disputes/numbers.xlsx"): NUMBERS,
}

PAGE_ROWS = {
    ("GET", "/disputes/", "disputes/"): PAGE_VIEW,
    ("GET", "/disputes/new/", "disputes/new/"): PAGE_INTAKE,
    ("GET", "/disputes/numbers/", "disputes/numbers/"): PAGE_NUMBERS,
    ("GET", "/disputes/{d_open}/", P): PAGE_SEE,
    ("POST", "/disputes/{d_page_route}/act/route/", f"{P}act/<str:action>/"): (
        302,
        403,
        302,
        302,
        403,
        404,
        403,
        403,
        302,
    ),
}


def disputes_matrix() -> dict:
    return {key: _row(*statuses) for key, statuses in (ROWS | PAGE_ROWS).items()}


PARTIES = [{"role": "applicant", "name": "张三"}, {"role": "respondent", "name": "李四"}]
DISPUTES_BODIES = {
    ("POST", f"{D}/cases"): {
        "source": "window",
        "dispute_type": "neighbour",
        "facts": "邻里噪音纠纷",
        "parties": PARTIES,
        "region_code": A1,
    },
    # Not a photo or PDF (the matrix sends a workbook): refused by content where allowed at all.
    ("POST", f"{D}/cases/{{d_open}}/attachments"): ("file", "证据.xlsx"),
    ("POST", f"{D}/cases/{{d_facts}}/facts"): {
        "version": 1,
        "reason": "核实",
        "people_involved": 6,
    },
    ("POST", f"{D}/cases/{{d_to_route}}/route"): {"version": 1, "organisation": "{d_org}"},
    ("POST", f"{D}/cases/{{d_to_assign}}/assign"): {"version": 2, "mediator": "{d_mediator}"},
    ("POST", f"{D}/cases/{{d_mediating}}/sessions"): {
        "starts_at": "2099-01-01T09:00:00+08:00",
        "mode": "in_person",
        "place": "调解室",
    },
    ("POST", f"{D}/cases/{{d_mediating}}/sessions/{{d_session}}/record"): {"record": "陈述"},
    ("POST", f"{D}/cases/{{d_mediating}}/agreement"): {
        "version": 3,
        "disputed_issues": "x",
        "content": "y",
        "performance_method": "z",
        "performance_deadline": "2099-01-01",
        "effective_on": "2020-01-01",
    },
    ("POST", f"{D}/cases/{{d_mediating}}/no-agreement"): {
        "version": 3,
        "next_channel": "litigation",
    },
    ("POST", f"{D}/cases/{{d_agreed}}/confirmation"): {
        "status": "applied",
        "court": "栖霞区人民法院",
        "applied_on": "{d_today}",
    },
    ("POST", f"{D}/cases/{{d_to_withdraw}}/withdraw"): {"version": 1, "reason": "撤回"},
    ("POST", f"{D}/cases/{{d_agreed}}/follow-ups/{{d_visit}}"): {"performance": "performed"},
    ("POST", f"{D}/cases/{{d_to_close}}/close"): {"version": "{d_close_version}"},
    ("POST", f"{D}/cases/{{d_to_reopen}}/reopen"): {"version": 4, "reason": "未履行"},
    ("POST", "/disputes/{d_page_route}/act/route/"): (
        "form",
        {"version": 1, "organisation": "{d_org}"},
    ),
}


def disputes_ids(world) -> dict:
    """The disputes the rows act on, each in the state its row needs."""
    with scopes_disabled():
        org = Organisation.all_objects.create(
            name="尧化街道人民调解委员会", kind="mediation", region=world.town_a
        )
    MediationProfile.objects.create(organisation=org, channel=Channel.PEOPLES_COMMITTEE)
    mediator = f.user("matrix_mediator", Role.MEDIATOR, "320113002", organisation=org)

    def new():
        return intake.receive_dispute(
            by=world.staff, source="window", dispute_type="neighbour", facts="纠纷",
            parties=PARTIES, region_code=A1,
        )  # fmt: skip

    def to(stage):
        d = new()
        mediation.route(dispute=d, organisation_id=org.pk, by=world.staff, version=d.flow.version)
        if stage == "routed":
            return d
        mediation.assign_mediator(dispute=d, mediator_id=mediator.pk, by=world.staff, version=d.flow.version)  # fmt: skip
        if stage == "mediating":
            return d
        today = timezone.localdate()
        mediation.record_agreement(
            dispute=d, by=mediator, version=d.flow.version, disputed_issues="x", content="y",
            performance_method="z", performance_deadline=today + timedelta(days=9), effective_on=today,
        )  # fmt: skip
        if stage == "agreed":
            return d
        for visit in FollowUp.objects.filter(dispute=d):
            followup.record_follow_up(
                follow_up=visit, performance="performed", note="", by=mediator
            )
        return d

    mediating = to("mediating")
    session = mediation.schedule_session(
        dispute=mediating, starts_at=timezone.now() + timedelta(minutes=1), mode="online",
        place="线上", by=mediator,
    )  # fmt: skip
    agreed = to("agreed")
    opened = new()
    pdf = b"%PDF-1.4\n%%EOF\n"
    attached = attachments.add_attachment(dispute=opened, name="证据.pdf", data=pdf, by=world.staff)
    to_close = to("followed")
    return {
        "d_org": org.pk,
        "d_mediator": mediator.pk,
        "d_open": opened.number,
        "d_attachment": attached.pk,
        "d_facts": new().number,
        "d_to_route": new().number,
        "d_page_route": new().number,
        "d_to_assign": to("routed").number,
        "d_mediating": mediating.number,
        "d_session": session.pk,
        "d_agreed": agreed.number,
        "d_visit": FollowUp.objects.filter(dispute=agreed).first().pk,
        "d_to_withdraw": new().number,
        "d_to_close": to_close.number,
        "d_close_version": to_close.flow.version,
        "d_to_reopen": to("agreed").number,
        "d_today": str(timezone.localdate()),
    }
