"""Writes on users and organisations: each one business action in one transaction."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts import actions
from civicgrid.accounts.models import Organisation, User
from civicgrid.accounts.roles import STAFF_ROLES, Role
from civicgrid.core.audit import log_action
from civicgrid.core.errors import DomainError
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
