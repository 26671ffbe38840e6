"""Reads of users and organisations, limited to the caller's subtree."""

from __future__ import annotations

from django.db.models import QuerySet

from civicgrid.accounts.models import Organisation, User
from civicgrid.core.scoping import root_code


def users_visible_to(user: User) -> QuerySet[User]:
    return User.objects.filter(region__code__startswith=root_code(user)).select_related("region")


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(region__code__startswith=root_code(user))
