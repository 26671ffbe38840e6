"""The JSON API under /api/v1/: one NinjaAPI, each app adds its router; errors as {code, message}."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import SessionAuth

from civicgrid.accounts.api import router as accounts_router
from civicgrid.assistance.api import router as assistance_router
from civicgrid.command.api import router as command_router
from civicgrid.command.api_board import router as command_board_router
from civicgrid.command.api_hall import router as command_hall_router
from civicgrid.core import schema_errors
from civicgrid.core.errors import DomainError
from civicgrid.disputes.api import router as disputes_router
from civicgrid.events.api import public as events_public_router
from civicgrid.events.api import router as events_router
from civicgrid.notifications.api import router as notifications_router
from civicgrid.people.api import router as people_router
from civicgrid.regions.api import locate_router
from civicgrid.regions.api import router as regions_router
from civicgrid.resources.api import router as resources_router

# SessionAuth checks CSRF on unsafe methods (SECURITY.md: ninja views are CSRF-exempt otherwise).
api = NinjaAPI(
    title="CivicGrid API",
    version="1",
    auth=SessionAuth(csrf=True),
    urls_namespace="api",
    # The schema describes our whole surface; only signed-in staff need to read it.
    docs_decorator=login_required,
)
api.add_router("/regions", regions_router)
api.add_router("/", accounts_router)
api.add_router("/", locate_router)
api.add_router("/people", people_router)
api.add_router("/events", events_router)
api.add_router("/events", events_public_router)
api.add_router("/notifications", notifications_router)
api.add_router("/command", command_router)
api.add_router("/resources", resources_router)
api.add_router("/assistance", assistance_router)
api.add_router("/disputes", disputes_router)
api.add_router("/command", command_board_router)
api.add_router("/command", command_hall_router)


def _answer(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
    """An error body, with the request id the logs carry (also in the X-Request-ID header)."""
    body["request_id"] = getattr(request, "request_id", "")
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _answer(request, exc.as_dict(), exc.status)


def _error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    return _answer(request, {"code": code, "message": message}, status)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found, or not in your area."))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "permission_denied", _("Your role does not allow this."))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "auth.required", _("Please sign in first."))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    body = {
        "code": "request.invalid",
        "message": _("The request is not valid; see details."),
        "details": {"errors": schema_errors.localised(exc.errors)},
    }
    return _answer(request, body, 422)


@api.exception_handler(OverflowError)
def _out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """A number larger than any database column (an id or version of 2**64, say): bad input,
    not a server error. SQLite raises this while binding it; PostgreSQL compares it fine."""
    body = {"code": "request.invalid", "message": _("A number in the request is out of range.")}
    return _answer(request, body, 422)
