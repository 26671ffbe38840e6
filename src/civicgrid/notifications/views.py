"""The notification centre page: one's own notifications, newest first; links lead to the case."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from civicgrid.notifications import selectors, services

PAGE_SIZE = 30


@login_required
@require_GET
def centre(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    found = selectors.notifications_of(request.user, unread_only=unread_only)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/centre.html", {"page": page, "unread_only": unread_only})


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_read(user=request.user)
    return redirect("notifications:centre")


@login_required
@require_GET
def open_one(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link, marking it read on the way."""
    notification = selectors.notifications_of(request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    services.mark_read(user=request.user, ids=[notification.pk])
    # Links are paths inside the site; anything else is not followed.
    if notification.link and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("notifications:centre")
