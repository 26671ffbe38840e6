"""The second factor (TOTP with printed backup codes) of the administrator roles: set-up, check."""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import qrcode
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from civicgrid.accounts import actions
from civicgrid.core.audit import log_action
from civicgrid.core.models import AuditEntry

BACKUP_CODES = 10


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if allowed else "/"


def qr_svg(text: str) -> str:
    """The QR code of `text` as inline SVG, drawn here: the secret never leaves the server."""
    image = qrcode.make(text, image_factory=SvgPathImage, box_size=8, border=2)
    return str(image.to_string(encoding="unicode"))


@transaction.atomic
def new_backup_codes(user: Any) -> list[str]:
    """Replace the user's printed backup codes (each works once) with a fresh set."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="backup", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator. Someone who already has one must pass it first: a stolen password
    alone never enrols a new device."""
    user: Any = request.user
    if user_has_device(user) and not user.is_verified():
        return redirect(f"{reverse('second_factor')}?{urlencode({'next': _next(request)})}")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    error = ""
    if request.method == "POST":
        if device.verify_token(request.POST.get("token", "").strip()):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user, confirmed=True).delete()
                device.confirmed = True
                device.save()
                codes = new_backup_codes(user)
                log_action(user, actions.SECOND_FACTOR_ENROLLED, by=user)
            otp_login(request, device)
            return render(
                request, "accounts/backup_codes.html", {"codes": codes, "next": _next(request)}
            )
        error = _("That code is not right. Check your device's clock and try again.")
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "qr": mark_safe(qr_svg(device.config_url)),  # noqa: S308 - our own SVG, no user text
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "error": error,
            "next": _next(request),
        },
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Ask for a code from the authenticator (or a backup code) once per session."""
    user: Any = request.user
    if not user_has_device(user):
        return redirect(f"{reverse('second_factor_setup')}?{urlencode({'next': _next(request)})}")
    error = ""
    if request.method == "POST":
        device = match_token(user, request.POST.get("token", "").strip())
        if device is not None:
            otp_login(request, device)
            log_action(user, actions.SECOND_FACTOR_PASSED, by=user)
            return redirect(_next(request))
        log_action(user, actions.SECOND_FACTOR_FAILED, by=user, outcome=AuditEntry.Outcome.FAILED)
        error = _("That code is not right.")
    return render(
        request,
        "accounts/second_factor.html",
        {"error": error, "next": _next(request)},
        status=200 if not error else 400,
    )
