"""Writes on users and organisations: each one business action in one transaction."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts import actions
from civicgrid.accounts.models import AreaGrant, Organisation, User
from civicgrid.accounts.roles import STAFF_ROLES, Cap, Role
from civicgrid.core.audit import log_action
from civicgrid.core.errors import DomainError
from civicgrid.core.permissions import require
from civicgrid.core.scoping import is_within
from civicgrid.regions.models import Region


def _region_within(code: str, by: User | None) -> Region:
    if not code:
        raise DomainError("accounts.no_region", _("Every account must belong to one area."))
    region = Region.all_objects.filter(code=code).first()
    if region is None:
        raise DomainError(
            "regions.unknown_code", _("There is no area with code %(code)s.") % {"code": code[:24]}
        )
    if not is_within(code, by):
        raise DomainError(
            "accounts.region_outside_scope",
            _("You can only assign areas inside your own area."),
            status=403,
        )
    return region


def _check_role(role: str, *, superuser: bool = False) -> None:
    if role not in Role.values:
        raise DomainError("accounts.bad_role", _("'%(role)s' is not a role.") % {"role": role[:40]})
    if superuser and role != Role.ADMIN:
        raise DomainError(
            "accounts.duties_combined",
            _(
                "Superuser status goes only with the system administrator's role: the system, "
                "security and audit administrators' duties stay on separate accounts."
            ),
        )


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str,
    role: str,
    region_code: str,
    organisation: Organisation | None = None,
    full_name: str = "",
    email: str = "",
    is_demo: bool = False,
    is_superuser: bool = False,
    by: User | None = None,
) -> User:
    """Create an account in one area with one role; the password must pass the policy."""
    _check_role(role, superuser=is_superuser)
    region = _region_within(region_code, by)
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError("accounts.username_taken", _("That user name is already taken."))
    user = User(
        username=username,
        email=email,
        role=role,
        region=region,
        organisation=organisation,
        first_name=full_name[:150],
        is_demo=is_demo,
        is_superuser=is_superuser,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("accounts.weak_password", " ".join(exc.messages)) from None
    user.set_password(password)
    user.is_staff = role in STAFF_ROLES
    user.save()
    return user


@transaction.atomic
def assign_role(*, user: User, role: str, region_code: str, by: User) -> User:
    """Give a user a new role and area (audited by the user-change receiver)."""
    if user.pk == by.pk:
        # Nobody moves themselves into another duty (say, from system to audit administrator).
        raise DomainError(
            "accounts.own_role", _("Your own role is changed by another administrator."), status=403
        )
    _check_role(role, superuser=user.is_superuser)
    user.region = _region_within(region_code, by)
    user.role = role
    user.is_staff = role in STAFF_ROLES
    user.save()
    return user


@transaction.atomic
def create_organisation(
    *, name: str, kind: str, region_code: str, sector: str = "", by: User | None = None
) -> Organisation:
    if kind not in Organisation.Kind.values:
        raise DomainError(
            "accounts.bad_organisation_kind",
            _("'%(kind)s' is not a kind of organisation.") % {"kind": kind[:40]},
        )
    region = _region_within(region_code, by)
    org, created = Organisation.all_objects.get_or_create(
        region=region, name=name, defaults={"kind": kind, "sector": sector}
    )
    if created:
        log_action(org, actions.ORG_CREATED, by=by, data={"kind": kind, "sector": sector})
    return org


def remember_language(user: User, language: str) -> None:
    """Keep the language a user signs in with or chooses: others' notifications use it."""
    if language in dict(settings.LANGUAGES) and language != user.language:
        # A plain UPDATE: not a change of rights, so neither audited nor a full save.
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


# --- Cross-area access (SECURITY.md: explicit, time-limited and logged) ----------------------


@transaction.atomic
def grant_area(*, user: User, region_code: str, reason: str, hours: int, by: User) -> AreaGrant:
    """Let `user` work in another area for `hours` (at most AREA_GRANT_MAX_HOURS), for a reason.

    Only a security administrator grants, never to themselves, and only inside their own area.
    """
    require(by, Cap.MANAGE_SECURITY)
    _check_grantee(user, by)
    reason = _check_terms(reason, hours)
    region = _region_within(region_code, by)
    _check_granted_area(user, region)
    now = timezone.now()
    grant = AreaGrant.objects.create(
        user=user,
        region=region,
        reason=reason,
        granted_by=by,
        granted_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    log_action(
        grant,
        actions.AREA_GRANTED,
        by=by,
        data={
            "user": user.username,
            "area": region.code,
            "until": grant.expires_at.isoformat(),
            "reason": reason,
        },
    )
    return grant


def _check_grantee(user: User, by: User) -> None:
    if user.pk == by.pk:
        raise DomainError(
            "accounts.grant_to_self",
            _(
                "Nobody grants themselves access to another area: ask another security administrator."
            ),
            status=403,
        )
    if not is_within(user.region_id or "", by):
        raise DomainError(
            "accounts.user_outside_scope",
            _("You can only grant access to people of your own area."),
            status=403,
        )
    if not user.is_active:
        raise DomainError("accounts.user_inactive", _("That account is disabled."))


def _check_terms(reason: str, hours: int) -> str:
    """The reason, stripped; refused when missing or when the hours are out of bounds."""
    reason = reason.strip()
    if len(reason) < 4:
        raise DomainError(
            "accounts.grant_reason_missing",
            _("Say why this access is needed (at least 4 characters)."),
        )
    longest = settings.AREA_GRANT_MAX_HOURS
    if not 1 <= hours <= longest:
        raise DomainError(
            "accounts.grant_duration",
            _("Access to another area lasts from 1 to %(hours)d hours.") % {"hours": longest},
        )
    return reason


def _check_granted_area(user: User, region: Region) -> None:
    if len(region.code) < len(user.region_id or ""):
        # Least privilege: covering for someone means an area like one's own, not a wider one.
        raise DomainError(
            "accounts.grant_wider",
            _(
                "Access is to an area no larger than the person's own: a grid for a grid "
                "worker, a town for a town operator."
            ),
        )
    if user.region_id and region.code.startswith(user.region_id):
        raise DomainError(
            "accounts.grant_own_area",
            _("%(user)s already works in %(area)s: no grant is needed.")
            % {"user": user.username, "area": region.name},
        )
    running = AreaGrant.objects.filter(
        user=user, region=region, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).first()
    if running is not None:
        raise DomainError(
            "accounts.grant_exists",
            _("%(user)s already holds access to %(area)s until %(until)s: revoke it to change it.")
            % {
                "user": user.username,
                "area": region.name,
                "until": date_format(localtime(running.expires_at), "Y-m-d H:i"),
            },
            status=409,
        )


def _not_active() -> DomainError:
    return DomainError(
        "accounts.grant_not_active",
        _("This access has ended or was revoked."),
        status=409,
    )


@transaction.atomic
def revoke_area_grant(*, grant: AreaGrant, by: User) -> AreaGrant:
    """End a grant now; a session working under it goes back to its own area at its next request."""
    require(by, Cap.MANAGE_SECURITY)
    grant = AreaGrant.objects.select_for_update().get(pk=grant.pk)
    if not grant.is_active():
        raise _not_active()
    grant.revoked_at = timezone.now()
    grant.revoked_by = by
    grant.save(update_fields=["revoked_at", "revoked_by"])
    log_action(grant, actions.AREA_GRANT_REVOKED, by=by, data={"user": grant.user.username})
    return grant


@transaction.atomic
def take_up_area_grant(*, grant: AreaGrant, by: User) -> AreaGrant:
    """The grantee starts working in the granted area (the caller keeps it in the session)."""
    if grant.user_id != by.pk or not grant.is_active():
        raise _not_active()
    log_action(grant, actions.AREA_GRANT_TAKEN_UP, by=by, data={"area": grant.region_id})
    return grant


@transaction.atomic
def leave_area_grant(*, grant: AreaGrant, by: User) -> None:
    """The grantee goes back to their own area."""
    log_action(grant, actions.AREA_GRANT_LEFT, by=by, data={"area": grant.region_id})


def log_area_request(grant: AreaGrant, *, method: str, path: str, status: int) -> None:
    """Every request made under a grant, with what it asked and how it was answered."""
    log_action(
        grant,
        actions.AREA_GRANT_USED,
        by=grant.user,
        data={"method": method, "path": path[:300], "status": status},
    )
