"""The API's schema errors (pydantic's, one per field) in the user's language.

pydantic writes its messages in English only. Clients match on `type` and `loc`; `msg` is for
people, so it is replaced by our own text for the error types a form or client meets. (The
library pydantic-i18n does the same from a dictionary keyed by pydantic's English templates;
this table is smaller and keeps the messages in our translation files.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_NUMBER = _("Enter a number.")
_WHOLE = _("Enter a whole number.")
_DATE = _("Enter a date as YYYY-MM-DD.")
_DATETIME = _("Enter a date and time such as 2026-11-29T09:30:00+08:00.")
_OBJECT = _("Enter an object with named fields.")

MESSAGES: dict[str, Promise] = {
    "missing": _("This field is required."),
    "string_type": _("Enter text."),
    "string_too_short": _("Enter at least %(min_length)s characters."),
    "string_too_long": _("Enter at most %(max_length)s characters."),
    "string_pattern_mismatch": _("This value does not have the expected form."),
    "int_type": _WHOLE,
    "int_parsing": _WHOLE,
    "int_from_float": _WHOLE,
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "bool_type": _("Enter true or false."),
    "bool_parsing": _("Enter true or false."),
    "greater_than": _("Enter a value greater than %(gt)s."),
    "greater_than_equal": _("Enter a value of at least %(ge)s."),
    "less_than": _("Enter a value less than %(lt)s."),
    "less_than_equal": _("Enter a value of at most %(le)s."),
    "enum": _("Choose one of: %(expected)s."),
    "literal_error": _("Choose one of: %(expected)s."),
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "timezone_aware": _DATETIME,
    "uuid_type": _("Enter an identifier such as 0f8c2f3e-6d3a-4a53-9a53-2b3f1e0c9d7a."),
    "uuid_parsing": _("Enter an identifier such as 0f8c2f3e-6d3a-4a53-9a53-2b3f1e0c9d7a."),
    "list_type": _("Enter a list."),
    "too_short": _("Enter at least %(min_length)s items."),
    "too_long": _("Enter at most %(max_length)s items."),
    "dict_type": _OBJECT,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "json_invalid": _("The request body is not valid JSON."),
    "extra_forbidden": _("This field is not expected here."),
}
FALLBACK = _("This value is not valid.")
# Our own validators raise ValueError with a translated message; pydantic prefixes it.
_VALUE_ERROR_PREFIX = "Value error, "


def message_for(error: Mapping[str, Any]) -> str:
    """One error's text in the active language."""
    kind = str(error.get("type", ""))
    if kind in ("value_error", "assertion_error"):
        return str(error.get("msg", "")).removeprefix(_VALUE_ERROR_PREFIX) or str(FALLBACK)
    template = MESSAGES.get(kind, FALLBACK)
    context = {k: _plain(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return str(template) % context
    except (KeyError, TypeError, ValueError):
        return str(FALLBACK)


def localised(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The errors as clients get them: `type`, `loc` and the message in `msg`."""
    return [
        {
            "type": error.get("type", ""),
            "loc": list(error.get("loc", ())),
            "msg": message_for(error),
        }
        for error in errors
    ]


def _plain(value: Any) -> Any:
    """pydantic's context values as they read in a sentence ("'a' or 'b'" stays as is)."""
    return value if isinstance(value, int | float | str) else str(value)
