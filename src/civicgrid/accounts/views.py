"""Sign-in and sign-out pages."""

from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


def login_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


def logout_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


def locked_out(request: HttpRequest, credentials: dict | None = None, *args: object,
               **kwargs: object) -> HttpResponse:
    return HttpResponse(status=429)
