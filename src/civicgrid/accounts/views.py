"""Sign-in, sign-out and the landing page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


login_view = LoginView.as_view()
logout_view = auth_views.LogoutView.as_view()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    code = getattr(request.user, "region_code", "")
    if not code:
        return render(request, "accounts/no_region.html", status=403)
    return redirect("regions:browse", code=code)


def locked_out(
    request: HttpRequest, credentials: dict[str, Any] | None = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """What django-axes answers once an account is locked (the same for unknown users)."""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(
            {
                "code": "auth.locked_out",
                "message": _("Too many failed sign-ins. Try again later or ask an administrator."),
            },
            status=429,
        )
    return render(
        request,
        "accounts/login.html",
        {"locked_out": True, "form": LoginView.form_class(request)},
        status=429,
    )
