"""Domain errors with stable codes, raised by services and turned into HTTP answers by the API."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """A business rule said no. `code` is stable (clients match on it); `message` is for people.

    The message is usually a lazy translation, rendered in the language of the request.
    """

    status = 400

    def __init__(
        self, code: str, message: str | Promise, *, status: int | None = None, **details: Any
    ) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.details = details
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.details:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409
