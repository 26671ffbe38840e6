"""Roles and what each may do. Least privilege: a role gets only the capabilities it needs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("grid worker")
    LIAISON = "liaison", _("micro-grid liaison")
    COMMUNITY_STAFF = "community_staff", _("community staff")
    TOWN_OPERATOR = "town_operator", _("town operator")
    COUNTY_OPERATOR = "county_operator", _("county operator")
    DEPARTMENT_OFFICER = "department_officer", _("department officer")
    MEDIATOR = "mediator", _("mediator")
    CIVIL_AFFAIRS = "civil_affairs", _("civil-affairs officer")
    LEADER = "leader", _("leader")
    # Separation of duties (三权分立, GB/T 22239 8.1.5): three administrator roles, one per
    # account. The system administrator keeps the value "admin" it always had.
    ADMIN = "admin", _("system administrator")
    SECURITY_ADMIN = "security_admin", _("security administrator")
    AUDIT_ADMIN = "audit_admin", _("audit administrator")


class Cap:
    """Capability names, one per action a role may be granted."""

    VIEW_REGIONS = "regions.view"
    LOCATE = "regions.locate"
    EDIT_BOUNDARIES = "regions.edit_boundaries"
    MANAGE_USERS = "accounts.manage_users"
    MANAGE_ORGS = "accounts.manage_organisations"
    PEOPLE_VIEW = "people.view"
    PEOPLE_COUNT = "people.count"
    PEOPLE_SUBMIT = "people.submit_change"
    PEOPLE_CONFIRM = "people.confirm_change"
    PEOPLE_EDIT = "people.edit"
    PEOPLE_UNMASK = "people.view_unmasked"
    # Health, disability, children at risk and low income on a person (people.privacy):
    # for those who care for them, not for volunteers or mediators.
    PEOPLE_SENSITIVE = "people.view_sensitive"
    PEOPLE_EXPORT = "people.export"
    EVENTS_VIEW = "events.view"
    EVENTS_REPORT = "events.report"
    # Register, reject, merge, dispatch and escalate: the desk's work.
    EVENTS_TRIAGE = "events.triage"
    EVENTS_HANDLE = "events.handle"
    EVENTS_VERIFY = "events.verify"
    EVENTS_SUPERVISE = "events.supervise"
    # Report for duty (报到) when a whistle summons one's department.
    EVENTS_ACKNOWLEDGE = "events.acknowledge"
    EVENTS_CATEGORIES = "events.manage_categories"
    # The command centre's numbers and assessment of one's own area (desks and leaders).
    COMMAND_VIEW = "command.view"
    # The assessment's weights (量化考核), in the admin.
    COMMAND_WEIGHTS = "command.manage_weights"
    # The emergency resources register (shelters, AEDs, fire points, depots, medical points).
    RESOURCES_VIEW = "resources.view"
    RESOURCES_EDIT = "resources.edit"
    # A field worker tells the command centre where they are (their last known position).
    CHECK_IN = "command.check_in"
    # Social assistance (社会救助). Applications in one's area, masked (totals, masked IDs).
    ASSISTANCE_VIEW = "assistance.view"
    # Register an application (window, grid worker, 省内通办) and record the home visit.
    ASSISTANCE_INTAKE = "assistance.intake"
    # Town review: run verification, propose a decision, run the public notice, objections.
    ASSISTANCE_REVIEW = "assistance.review"
    # County approval of decisions (checked against the approver's level too).
    ASSISTANCE_APPROVE = "assistance.approve"
    # Itemised incomes, assets, full ID numbers and bank accounts; every view audit-logged.
    ASSISTANCE_UNMASK = "assistance.view_unmasked"
    # The monthly payment roll: build, export for the bank, stop and resume payments.
    ASSISTANCE_PAY = "assistance.payments"
    # Coverage numbers, money per month, alerts open and overdue.
    ASSISTANCE_NUMBERS = "assistance.numbers"
    # Disputes (矛盾纠纷多元化解): see cases, take them in, route them and assign mediators,
    # mediate (sessions, outcomes, agreements, documents), visit for follow-up, read the numbers,
    # and keep the four-colour rule set (in the admin).
    DISPUTES_VIEW = "disputes.view"
    DISPUTES_INTAKE = "disputes.intake"
    DISPUTES_ROUTE = "disputes.route"
    DISPUTES_MEDIATE = "disputes.mediate"
    DISPUTES_FOLLOW_UP = "disputes.follow_up"
    DISPUTES_NUMBERS = "disputes.numbers"
    DISPUTES_RULES = "disputes.manage_rules"
    # Read and export the audit log: the audit administrator's alone.
    READ_AUDIT = "core.read_audit"
    # Unlock locked-out accounts and reset second factors: the security administrator's.
    MANAGE_SECURITY = "accounts.manage_security"


_FIELD = {Cap.VIEW_REGIONS, Cap.LOCATE}
# The closed loop: who reports and verifies on the ground, who triages at a desk.
_REPORTER = {Cap.EVENTS_VIEW, Cap.EVENTS_REPORT, Cap.EVENTS_VERIFY}
_DESK = _REPORTER | {Cap.EVENTS_TRIAGE, Cap.COMMAND_VIEW}
# Staff of an organisation (department, mediation committee, civil affairs) work on the orders
# sent to it and answer whistles; they see only the cases that concern their organisation.
_ORDERS = {Cap.EVENTS_VIEW, Cap.EVENTS_HANDLE, Cap.EVENTS_ACKNOWLEDGE}
ORGANISATION_ROLES = frozenset({"department_officer", "civil_affairs", "mediator"})
# Disputes: the field takes them in and visits; the desks also route them and read the numbers.
_DISPUTES_FIELD = {Cap.DISPUTES_VIEW, Cap.DISPUTES_INTAKE, Cap.DISPUTES_FOLLOW_UP}
_DISPUTES_DESK = _DISPUTES_FIELD | {Cap.DISPUTES_ROUTE, Cap.DISPUTES_NUMBERS}
# Reading the register (masked) and counting in it.
_REGISTER = _FIELD | {Cap.PEOPLE_VIEW, Cap.PEOPLE_COUNT}
# Social assistance: the field takes applications, the town reviews, civil affairs decides.
_ASSIST_FIELD = {Cap.ASSISTANCE_VIEW, Cap.ASSISTANCE_INTAKE}
_ASSIST_REVIEW = {
    Cap.ASSISTANCE_VIEW,
    Cap.ASSISTANCE_REVIEW,
    Cap.ASSISTANCE_UNMASK,
    Cap.ASSISTANCE_NUMBERS,
}
# Emergency resources: the field sees them on the map, the desks keep the register.
_RESOURCES = {Cap.RESOURCES_VIEW, Cap.RESOURCES_EDIT}
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.GRID_WORKER: frozenset(
        _REGISTER
        | _REPORTER
        | _DISPUTES_FIELD
        | {Cap.PEOPLE_SUBMIT, Cap.EVENTS_HANDLE, Cap.RESOURCES_VIEW, Cap.CHECK_IN}
        | _ASSIST_FIELD
        | {Cap.PEOPLE_SENSITIVE}
    ),
    Role.LIAISON: frozenset(
        _REGISTER | _REPORTER | {Cap.PEOPLE_SUBMIT, Cap.RESOURCES_VIEW, Cap.CHECK_IN}
    ),
    # The one window: confirms changes, edits directly, imports, and may see full values.
    Role.COMMUNITY_STAFF: frozenset(
        _REGISTER
        | {
            Cap.PEOPLE_SUBMIT,
            Cap.PEOPLE_CONFIRM,
            Cap.PEOPLE_EDIT,
            Cap.PEOPLE_UNMASK,
            Cap.PEOPLE_EXPORT,
            Cap.PEOPLE_SENSITIVE,
            Cap.EVENTS_HANDLE,
        }
        | _DESK
        | _RESOURCES
        | _ASSIST_FIELD
        | {Cap.ASSISTANCE_NUMBERS}
        | _DISPUTES_DESK
    ),
    Role.TOWN_OPERATOR: frozenset(
        _REGISTER
        | _DESK
        | _RESOURCES
        | _DISPUTES_DESK
        | {Cap.PEOPLE_EXPORT, Cap.PEOPLE_SENSITIVE}
        | _ASSIST_REVIEW
    ),
    Role.COUNTY_OPERATOR: frozenset(
        _REGISTER
        | _DESK
        | _RESOURCES
        | _DISPUTES_DESK
        | {Cap.EDIT_BOUNDARIES, Cap.PEOPLE_EXPORT, Cap.PEOPLE_SENSITIVE, Cap.EVENTS_SUPERVISE}
        | {Cap.ASSISTANCE_VIEW, Cap.ASSISTANCE_NUMBERS}
    ),
    # Departments work on orders, not on the register.
    Role.DEPARTMENT_OFFICER: frozenset(_FIELD | _ORDERS),
    # Mediators work on their own organisation's disputes: mediate and visit for follow-up.
    Role.MEDIATOR: frozenset(
        _REGISTER | _ORDERS | {Cap.DISPUTES_VIEW, Cap.DISPUTES_MEDIATE, Cap.DISPUTES_FOLLOW_UP}
    ),
    Role.CIVIL_AFFAIRS: frozenset(
        _REGISTER
        | _ORDERS
        | {Cap.PEOPLE_UNMASK, Cap.PEOPLE_EXPORT, Cap.PEOPLE_SENSITIVE}
        | _ASSIST_REVIEW
        | {Cap.ASSISTANCE_INTAKE, Cap.ASSISTANCE_APPROVE, Cap.ASSISTANCE_PAY}
    ),
    Role.LEADER: frozenset(
        {
            Cap.VIEW_REGIONS,
            Cap.LOCATE,
            Cap.PEOPLE_COUNT,
            Cap.EVENTS_VIEW,
            Cap.EVENTS_SUPERVISE,
            Cap.COMMAND_VIEW,
            Cap.RESOURCES_VIEW,
            Cap.ASSISTANCE_NUMBERS,
            Cap.DISPUTES_VIEW,
            Cap.DISPUTES_NUMBERS,
        }
    ),
    Role.ADMIN: frozenset(
        _FIELD
        | {
            Cap.EDIT_BOUNDARIES,
            Cap.MANAGE_USERS,
            Cap.MANAGE_ORGS,
            Cap.EVENTS_CATEGORIES,
            Cap.COMMAND_WEIGHTS,
            Cap.DISPUTES_RULES,
        }
        # The register is reference data like the categories: kept in the admin too.
        | _RESOURCES
    ),
    # The security administrator: lockouts and second factors, nothing of the business data.
    Role.SECURITY_ADMIN: frozenset({Cap.VIEW_REGIONS, Cap.MANAGE_SECURITY}),
    # The audit administrator reads the audit log and nothing else.
    Role.AUDIT_ADMIN: frozenset({Cap.READ_AUDIT}),
}

# The three administrator roles: they use the Django admin (inside their region scope too) and
# must pass a second factor. Being one of them excludes the others: one role per account, and
# superuser status only with the system administrator's role (a database constraint).
ADMIN_ROLES = frozenset({Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
STAFF_ROLES = ADMIN_ROLES
SECOND_FACTOR_ROLES = ADMIN_ROLES


def role_can(role: str, capability: str) -> bool:
    return capability in CAPABILITIES.get(role, frozenset())
