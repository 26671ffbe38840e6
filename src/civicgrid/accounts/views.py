"""Sign-in, sign-out and the landing page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n

from civicgrid.accounts import actions
from civicgrid.accounts.middleware import password_expired
from civicgrid.accounts.services import remember_language
from civicgrid.core.audit import log_action


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password; also where an expired password (PASSWORD_MAX_AGE_DAYS) leads."""

    template_name = "accounts/password_change.html"

    def get_success_url(self) -> str:
        target = self.request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(target, {self.request.get_host()})
        return target if target and safe else reverse("home")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            expired=password_expired(self.request.user),
            max_age_days=settings.PASSWORD_MAX_AGE_DAYS,
            next=self.request.GET.get("next", ""),
            **kwargs,
        )

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        log_action(form.user, actions.PASSWORD_CHANGED, by=form.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


login_view = LoginView.as_view()
logout_view = auth_views.LogoutView.as_view()
password_change_view = PasswordChangeView.as_view()


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembering the choice on a signed-in user's account."""
    response = i18n.set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        remember_language(request.user, request.POST.get("language", ""))  # type: ignore[arg-type]
    return response


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
