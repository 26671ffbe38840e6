"""The server-error answer: JSON for the API, a plain page elsewhere, both with the request id."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. Renders without context processors: whatever broke (the database, the
    session) must not break the error page too."""
    request_id = getattr(request, "request_id", "")
    if request.path.startswith(API_PREFIX):
        body = {
            "code": "server_error",
            "message": _("Something went wrong on our side and it has been logged."),
            "request_id": request_id,
        }
        return JsonResponse(body, status=500)
    page = loader.get_template("500.html").render({"request_id": request_id})
    return HttpResponseServerError(page)
