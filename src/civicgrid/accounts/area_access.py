"""Pages of cross-area access: the security administrator grants and revokes it, the grantee
takes it up for their session and leaves it (SECURITY.md: explicit, time-limited and logged)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicgrid.accounts import selectors, services
from civicgrid.accounts.access import lookup
from civicgrid.accounts.middleware import take_up_in_session
from civicgrid.accounts.models import AreaGrant
from civicgrid.accounts.roles import Cap
from civicgrid.core.errors import DomainError
from civicgrid.core.permissions import require


@login_required
def area(request: HttpRequest) -> HttpResponse:
    """One's own area, the grants one holds, and taking one up or leaving it."""
    user: Any = request.user
    error = None
    if request.method == "POST":
        try:
            if "leave" in request.POST:
                current = getattr(request, "area_grant", None)
                if current is not None:
                    services.leave_area_grant(grant=current, by=user)
                take_up_in_session(request, None)
                messages.success(request, _("You are back in your own area."))
                return redirect("home")
            grant = lookup(user, AreaGrant.objects.filter(user=user), pk=request.POST.get("grant"))
            services.take_up_area_grant(grant=grant, by=user)
        except DomainError as exc:
            error = exc
        else:
            take_up_in_session(request, grant.pk)
            messages.success(
                request,
                _("You are now working in %(area)s. Every request is logged.")
                % {"area": grant.region.name},
            )
            return redirect("home")
    context = {
        "grants": selectors.area_grants_of(user),
        "current": getattr(request, "area_grant", None),
        "error": error,
    }
    return render(request, "accounts/area.html", context, status=error.status if error else 200)


@login_required
def grants(request: HttpRequest) -> HttpResponse:
    """The security administrator's list of grants in their area, and the form to grant one."""
    user: Any = request.user
    require(user, Cap.MANAGE_SECURITY)
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            grantee = _grantee(user, post.get("username", "").strip())
            hours = int(post["hours"]) if post.get("hours", "").isdigit() else 0
            grant = services.grant_area(
                user=grantee,
                region_code=post.get("region_code", "").strip(),
                reason=post.get("reason", ""),
                hours=hours,
                by=user,
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(
                request,
                _("%(user)s may work in %(area)s until %(until)s.")
                % {
                    "user": grantee.username,
                    "area": grant.region.name,
                    "until": date_format(localtime(grant.expires_at), "Y-m-d H:i"),
                },
            )
            return redirect("area_grants")
    context = {
        "grants": selectors.area_grants_given_by(user)[:200],
        "max_hours": settings.AREA_GRANT_MAX_HOURS,
        "error": error,
        "posted": request.POST if error else {},
    }
    return render(request, "accounts/grants.html", context, status=error.status if error else 200)


@login_required
@require_POST
def revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    user: Any = request.user
    grant = lookup(user, selectors.area_grants_given_by(user), Cap.MANAGE_SECURITY, pk=grant_id)
    try:
        services.revoke_area_grant(grant=grant, by=user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Access revoked."))
    return redirect("area_grants")


def _grantee(by: Any, username: str) -> Any:
    found = selectors.users_visible_to(by).filter(username=username).first()
    if found is None:
        raise DomainError(
            "accounts.unknown_user",
            _("There is no account named “%(name)s” in your area.") % {"name": username[:40]},
            status=404,
        )
    return found
