"""Reads of users and organisations, limited to the caller's subtree."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from civicgrid.accounts.models import AreaGrant, Organisation, User
from civicgrid.core.scoping import root_code


def users_visible_to(user: User) -> QuerySet[User]:
    return User.objects.filter(region__code__startswith=root_code(user)).select_related("region")


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(region__code__startswith=root_code(user))


def _active() -> Q:
    now = timezone.now()
    return Q(revoked_at__isnull=True, granted_at__lte=now, expires_at__gt=now)


def area_grants_of(user: User) -> QuerySet[AreaGrant]:
    """The grants a user holds now, soonest ending first."""
    return (
        AreaGrant.objects.filter(_active(), user=user)
        .select_related("region", "granted_by")
        .order_by("expires_at")
    )


def active_area_grant(user: User, grant_id: int | str) -> AreaGrant | None:
    """The grant a session works under, if it is still the user's and still running."""
    try:
        return AreaGrant.objects.select_related("region").get(_active(), pk=grant_id, user=user)
    except (AreaGrant.DoesNotExist, ValueError, TypeError):
        return None


def area_grants_given_by(user: User) -> QuerySet[AreaGrant]:
    """For a security administrator: the grants to people of their area, newest first."""
    return (
        AreaGrant.objects.filter(user__region__code__startswith=root_code(user))
        .select_related("user", "region", "granted_by", "revoked_by")
        .order_by("-granted_at")
    )
