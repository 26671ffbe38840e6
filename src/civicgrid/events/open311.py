"""Open311 GeoReport v2 under /open311/v2/: services, service definitions, service requests and
tokens, in XML and JSON, with the spec's error list (http://wiki.open311.org/GeoReport_v2).

Plain Django views rather than ninja: the spec fixes the URLs (`services.xml`), the XML shape,
form-encoded posts with `attribute[CODE]` fields and its own error body, none of which ninja's
schemas and error handler produce.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from civicgrid.core.actor import acting_as
from civicgrid.core.audit import log_action, register_action
from civicgrid.core.errors import DomainError
from civicgrid.core.http import client_ip
from civicgrid.core.identity import parse_phone
from civicgrid.events import categories, loop, present
from civicgrid.events.models import Category, Incident, Open311Client
from civicgrid.events.services import intake
from civicgrid.regions.levels import Level, level_of_code
from civicgrid.regions.locate import locate_point
from civicgrid.regions.models import Region
from civicgrid.workflow.models import TimelineEntry

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# The spec's default query limit: 90 days or the first 1000 requests, whichever is smaller.
MAX_REQUESTS = 1000
MAX_SPAN = timedelta(days=90)
# A form with one photo; anything bigger is refused before Django parses it.
_FORM_ALLOWANCE = 256 * 1024
_MAX_KEY = 200
_MAX_IDEMPOTENCY_KEY = 255
_MAX_STRING = 200
_MAX_TEXT = 2000
_DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
_ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
# Characters XML 1.0 cannot carry, even escaped (control characters pasted into a description).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# In a query string an unescaped "+08:00" arrives as " 08:00".
_SPACE_FOR_PLUS = re.compile(r" (\d\d:?\d\d)$")
# The element name of one item of each list, for XML (JSON has plain arrays).
_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

KEY_ISSUED = register_action("events.open311.key_issued", gettext_lazy("issued an Open311 API key"))


# --- errors and rendering -----------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One entry of the spec's error list. The body carries only the HTTP status as its code;
    `code` is our stable identifier, sent in the X-Error-Codes header for clients and tests."""

    code: str
    description: str


class Open311Error(Exception):
    def __init__(self, status: int, *problems: Problem) -> None:
        super().__init__(", ".join(p.code for p in problems))
        self.status = status
        self.problems = problems


def _fail(status: int, code: str, description: str) -> NoReturn:
    raise Open311Error(status, Problem(code, description))


def _from_domain(error: DomainError) -> Open311Error:
    # The spec knows 404 (not found), 403 (api_key) and 400 (anything else).
    status = error.status if error.status in (403, 404) else 400
    return Open311Error(status, Problem(error.code, str(error.message)))


def _xml_element(tag: str, value: Any) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        element.extend(_xml_element(name, item) for name, item in value.items())
    elif isinstance(value, list):
        element.extend(_xml_element(_ITEM[tag], item) for item in value)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))
    return element


def render(fmt: str, root: str, body: Any, status: int = 200) -> HttpResponse:
    """`body` as JSON, or as XML under `root` (lists become one element per item)."""
    if fmt == "json":
        content = json.dumps(body, ensure_ascii=False).encode()
    else:
        # ElementTree escapes every text node; the declaration is written by hand because
        # ElementTree's own uses single quotes and the spec shows double.
        tree = ET.tostring(_xml_element(root, body), encoding="utf-8", xml_declaration=False)
        content = b'<?xml version="1.0" encoding="utf-8"?>\n' + tree
    response = HttpResponse(content, status=status, content_type=FORMATS[fmt])
    # Everything here is public or authenticated by api_key, never by cookie: any web page may
    # read it, which browser-based Open311 clients need.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def error_response(fmt: str, error: Open311Error) -> HttpResponse:
    body = [{"code": error.status, "description": p.description} for p in error.problems]
    # An unknown format gets XML, the format every GeoReport v2 client must read.
    response = render(fmt if fmt in FORMATS else "xml", "errors", body, status=error.status)
    response["X-Error-Codes"] = ",".join(p.code for p in error.problems)
    return response


View = Callable[..., HttpResponse]


def endpoint(*methods: str) -> Callable[[View], View]:
    """An Open311 view: checks the format and method and answers errors in the spec's form.

    CSRF is off on purpose: these views are for outside applications, which have no session and
    no CSRF token. Nothing here reads the session or `request.user`; writes are authorised by
    the api_key alone, so a forged request from a signed-in browser gains nothing.
    """
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def wrap(view: View) -> View:
        @functools.wraps(view)
        def run(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            try:
                if fmt not in FORMATS:
                    _fail(404, "open311.unknown_format", _("Use .xml or .json."))
                if request.method not in allowed:
                    response = error_response(
                        fmt,
                        Open311Error(
                            405, Problem("open311.method_not_allowed", _("Method not allowed."))
                        ),
                    )
                    response["Allow"] = ", ".join(sorted(allowed))
                    return response
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as error:
                return error_response(fmt, error)
            except DomainError as error:
                return error_response(fmt, _from_domain(error))

        return csrf_exempt(run)

    return wrap


# --- jurisdictions and keys -----------------------------------------------------------------


def _is_jurisdiction(code: str) -> bool:
    return (
        level_of_code(code) in (Level.CITY, Level.COUNTY)
        and Region.all_objects.filter(code=code).exists()
    )


def resolve_jurisdiction(given: str) -> str:
    """The county or city a request is about: jurisdiction_id, else the configured default."""
    code = (given or "").strip() or settings.OPEN311_DEFAULT_JURISDICTION
    if not code:
        _fail(
            400,
            "open311.jurisdiction_required",
            _("jurisdiction_id was not provided; this endpoint serves several jurisdictions."),
        )
    if not _is_jurisdiction(code):
        _fail(
            404,
            "open311.jurisdiction_not_found",
            _("jurisdiction_id %(code)s was not found; give the code of a city or county.")
            % {"code": code[:24]},
        )
    return code


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def client_for_key(key: str) -> Open311Client:
    key = (key or "").strip()
    if not key:
        _fail(403, "open311.api_key_required", _("api_key was not provided; it is required."))
    client = None
    if len(key) <= _MAX_KEY:
        client = Open311Client.objects.filter(key_hash=_digest(key), is_active=True).first()
    if client is None:
        _fail(403, "open311.api_key_invalid", _("Invalid api_key received; nothing was created."))
    return client


@transaction.atomic
def issue_key(*, name: str, jurisdiction: str) -> tuple[Open311Client, str]:
    """A new client application and its key. The key is returned this once; only its digest
    is kept, so a lost key is replaced by issuing another (and deactivating the old client)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DomainError(
            "open311.bad_client_name", _("Give the client a name of at most 100 characters.")
        )
    code = (jurisdiction or "").strip()
    if not _is_jurisdiction(code):
        raise DomainError(
            "open311.jurisdiction_not_found",
            _("There is no city or county %(code)s.") % {"code": code[:24]},
        )
    key = secrets.token_urlsafe(32)
    client = Open311Client.objects.create(name=name, key_hash=_digest(key), jurisdiction_id=code)
    log_action(client, KEY_ISSUED, region_code=code, data={"name": name})
    return client, key


# --- reads ----------------------------------------------------------------------------------


def offered_services() -> QuerySet[Category]:
    """Subcategories offered through Open311."""
    return Category.objects.filter(open311_enabled=True, is_active=True, parent__isnull=False)


def requests_in(jurisdiction: str) -> QuerySet[Incident]:
    """The cases Open311 shows for a jurisdiction: those of the categories it offers.

    Open311 reads are anonymous, so no request scope is active and the guarded `objects`
    manager would (rightly) refuse. This is the deliberate cross-scope read of this module:
    `all_objects` with an explicit prefix filter on a jurisdiction the caller has checked.
    """
    if not jurisdiction:
        raise ValueError("an empty jurisdiction would match every case")
    return Incident.all_objects.filter(
        region__code__startswith=jurisdiction, category__open311_enabled=True
    ).select_related("flow", "category", "desk", "handler_org", "handler_region", "merged_into")


def _w3(moment: datetime | None) -> str | None:
    """W3C date-time in local time with its offset, to the second: 2026-05-01T09:30:00+08:00."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def _keywords(category: Category) -> str:
    return ", ".join(k.strip() for k in category.open311_keywords.split(",") if k.strip())


def attributes_of(category: Category) -> list[dict[str, Any]]:
    """The category's attributes in the spec's shape and order; malformed entries (the list is
    edited by hand in the admin) are left out rather than breaking every client."""
    raw = category.open311_attributes if isinstance(category.open311_attributes, list) else []
    rows = []
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not item.get("code"):
            continue
        if item.get("datatype") not in _DATATYPES:
            continue
        order = item.get("order")
        values = item.get("values")
        if not isinstance(values, list):
            values = []
        rows.append(
            {
                "variable": bool(item.get("variable", True)),
                "code": str(item["code"]),
                "datatype": item["datatype"],
                "required": bool(item.get("required", False)),
                "datatype_description": str(item.get("datatype_description") or ""),
                "order": order if isinstance(order, int) and order > 0 else position,
                "description": str(item.get("description") or ""),
                "values": [
                    {"key": str(v["key"]), "name": str(v.get("name") or v["key"])}
                    for v in values
                    if isinstance(v, dict) and "key" in v
                ],
            }
        )
    return sorted(rows, key=lambda row: row["order"])


def service_row(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name_en or category.name,
        "metadata": bool(attributes_of(category)),
        "type": "realtime",
        "keywords": _keywords(category),
        "group": category.open311_group,
    }


def service_notice(category_code: str, priority: int) -> str:
    hours = sum(
        categories.stage_hours(category_code, stage, priority) for stage in categories.STAGES
    )
    return _("Requests of this kind are to be resolved within %(hours)s hours.") % {
        "hours": f"{hours:g}"
    }


def _agency(incident: Incident) -> str:
    # The department or community handling it; a grid worker's order shows their desk, since
    # no staff member is ever named to the public.
    if incident.handler_kind == Incident.HandlerKind.DEPARTMENT and incident.handler_org:
        return incident.handler_org.name
    if incident.handler_kind == Incident.HandlerKind.COMMUNITY and incident.handler_region:
        return incident.handler_region.name
    return incident.desk.name


def _status_notes(incident: Incident, reasons: dict[int, str]) -> str:
    state = incident.flow.state
    if state == loop.REJECTED and reasons.get(incident.flow_id):
        return reasons[incident.flow_id]
    if state == loop.MERGED and incident.merged_into is not None:
        return _("Merged into request %(number)s.") % {"number": incident.merged_into.number}
    return present.state_label(state)


def _rejection_reasons(incidents: list[Incident]) -> dict[int, str]:
    """The reason given for each rejected case, read in one query for the whole list."""
    flows = [i.flow_id for i in incidents if i.flow.state == loop.REJECTED]
    if not flows:
        return {}
    reasons = {}
    for entry in TimelineEntry.objects.filter(flow_id__in=flows, transition="reject"):
        inputs = entry.data.get("inputs") if isinstance(entry.data, dict) else None
        reasons[entry.flow_id] = str((inputs or {}).get("reason", ""))
    return reasons


def request_row(incident: Incident, reasons: dict[int, str]) -> dict[str, Any]:
    """One service request as the spec shows it: no reporter, no staff name, no photo of ours
    (photos of cases are not public); media_url only when the client gave one."""
    flow = incident.flow
    is_open = flow.state in loop.OPEN_STATES
    return {
        "service_request_id": incident.number,
        "status": "open" if is_open else "closed",
        "status_notes": _status_notes(incident, reasons),
        "service_name": incident.category.name,
        "service_code": incident.category_id,
        "description": incident.description,
        "agency_responsible": _agency(incident),
        "service_notice": service_notice(incident.category_id, incident.priority)
        if is_open
        else "",
        "requested_datetime": _w3(incident.reported_at),
        "updated_datetime": _w3(
            flow.updated_at if is_open else incident.closed_at or flow.updated_at
        ),
        "expected_datetime": _w3(flow.due_at) if is_open else None,
        "address": incident.address,
        "address_id": "",
        "zipcode": "",
        "lat": incident.lat,
        "long": incident.lng,
        "media_url": incident.media_url,
    }


def _rows(incidents: list[Incident]) -> list[dict[str, Any]]:
    reasons = _rejection_reasons(incidents)
    return [request_row(i, reasons) for i in incidents]


# --- input ----------------------------------------------------------------------------------


def _listed(params: QueryDict, name: str) -> list[str]:
    """A parameter given comma-delimited, repeated, or both."""
    return [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]


def _moment(value: str) -> datetime | None:
    """A W3C/ISO 8601 date-time (or date); without an offset it is read as local time."""
    value = _SPACE_FOR_PLUS.sub(r"+\1", value.strip())
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is None:
                return None
            moment = datetime.combine(day, time.min)
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _period(params: QueryDict) -> tuple[datetime, datetime]:
    start_text, end_text = params.get("start_date", "").strip(), params.get("end_date", "").strip()
    start = _moment(start_text) if start_text else None
    end = _moment(end_text) if end_text else None
    problems = [
        Problem(
            "open311.bad_date",
            _("%(field)s must be a W3C date-time such as 2026-05-01T00:00:00+08:00.")
            % {"field": field},
        )
        for field, text, value in (("start_date", start_text, start), ("end_date", end_text, end))
        if text and value is None
    ]
    if problems:
        raise Open311Error(400, *problems)
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        _fail(400, "open311.bad_period", _("end_date is before start_date."))
    if end - start > MAX_SPAN:
        _fail(400, "open311.period_too_long", _("start_date to end_date may span 90 days at most."))
    return start, end


def _value(request: HttpRequest, name: str) -> str:
    """A posted field, or the same name in the query string (where some clients put api_key)."""
    value = request.POST.get(name)
    if value is None:
        value = request.GET.get(name, "")
    return value.strip()


def _person(first: str, last: str) -> str:
    # Chinese names are written family name first and without a space.
    if first.isascii() and last.isascii():
        return f"{first} {last}".strip()
    return f"{last}{first}"


def _location(request: HttpRequest) -> tuple[float | None, float | None, str, list[Problem]]:
    """(lng, lat, address, problems): lat & long, or address_string, or address_id."""
    lat_text, long_text = _value(request, "lat"), _value(request, "long")
    address = _value(request, "address_string") or _value(request, "address_id")
    if not (lat_text or long_text):
        if address:
            return None, None, address, []
        return (
            None,
            None,
            address,
            [
                Problem(
                    "open311.location_required",
                    _("A location is required: lat and long, address_string or address_id."),
                )
            ],
        )
    try:
        lat, lng = float(lat_text), float(long_text)
    except ValueError:
        lat = lng = math.nan
    if not (math.isfinite(lat) and math.isfinite(lng) and abs(lat) <= 90 and abs(lng) <= 180):
        return (
            None,
            None,
            address,
            [
                Problem(
                    "open311.bad_location",
                    _("lat and long must both be given, in decimal degrees (WGS84)."),
                )
            ],
        )
    return lng, lat, address, []


def _posted_attributes(form: QueryDict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name in form:
        match = _ATTRIBUTE_FIELD.match(name)
        if match:
            found.setdefault(match.group(1), []).extend(v.strip() for v in form.getlist(name))
    return found


def _check_attribute(attribute: dict[str, Any], given: list[str]) -> Any:
    """The value to keep for one attribute; raises ValueError when it does not fit."""
    kind = attribute["datatype"]
    keys = [v["key"] for v in attribute["values"]]
    if kind == "multivaluelist":
        if any(v not in keys for v in given):
            raise ValueError
        return list(dict.fromkeys(given))
    if len(given) > 1:
        raise ValueError
    value = given[0]
    if kind == "singlevaluelist" and value not in keys:
        raise ValueError
    if kind == "number":
        try:
            if not Decimal(value).is_finite():
                raise ValueError
        except InvalidOperation:
            raise ValueError from None
    if kind == "datetime":
        moment = _moment(value)
        if moment is None:
            raise ValueError
        return _w3(moment)
    if len(value) > (_MAX_TEXT if kind == "text" else _MAX_STRING):
        raise ValueError
    return value


def _attributes(category: Category, form: QueryDict) -> tuple[dict[str, Any], list[Problem]]:
    """Posted attribute[CODE] values checked against the service definition. Codes the
    definition does not know are ignored, as the spec leaves them undefined."""
    posted = _posted_attributes(form)
    kept: dict[str, Any] = {}
    problems = []
    for attribute in attributes_of(category):
        code = attribute["code"]
        given = [v for v in posted.get(code, []) if v]
        if not attribute["variable"]:
            continue
        if not given:
            if attribute["required"]:
                problems.append(
                    Problem(
                        "open311.attribute_required",
                        _("attribute[%(code)s] is required for this service.") % {"code": code},
                    )
                )
            continue
        try:
            kept[code] = _check_attribute(attribute, given)
        except ValueError:
            allowed = ", ".join(v["key"] for v in attribute["values"])
            problems.append(
                Problem(
                    "open311.bad_attribute",
                    (
                        _("attribute[%(code)s] must be one of: %(keys)s.")
                        if allowed
                        else _("attribute[%(code)s] is not a valid %(datatype)s.")
                    )
                    % {"code": code, "keys": allowed, "datatype": attribute["datatype"]},
                )
            )
    return kept, problems


def _media(request: HttpRequest) -> tuple[list[bytes], str, list[Problem]]:
    """A photo uploaded as the `media` file (a common extension) and/or the spec's media_url,
    a link that is kept as given and never fetched."""
    problems = []
    url = _value(request, "media_url")
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
            if len(url) > 500:
                raise ValidationError("too long")
        except ValidationError:
            url = ""
            problems.append(
                Problem("open311.bad_media_url", _("media_url must be an http(s) link."))
            )
    files = request.FILES.getlist("media")
    if len(files) > 1:
        problems.append(Problem("open311.too_many_media", _("Send at most one media file.")))
        files = []
    photos = []
    for upload in files:
        if upload.size is not None and upload.size > settings.PHOTO_MAX_BYTES:
            problems.append(Problem("photo.too_large", _("The media file is too large.")))
        else:
            photos.append(upload.read())
    return photos, url, problems


def _check_body(request: HttpRequest) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.PHOTO_MAX_BYTES + _FORM_ALLOWANCE:
        _fail(400, "open311.too_large", _("The request is too large."))
    try:
        request.POST  # noqa: B018 - parse now, so that a malformed body is one clear error
    except (SuspiciousOperation, MultiPartParserError):
        _fail(400, "open311.bad_body", _("The request body could not be read."))


def _client_key(client: Open311Client, request: HttpRequest) -> str | None:
    """The Idempotency-Key header, kept apart per client: two applications may pick the same
    key without finding each other's requests."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return None
    if len(key) > _MAX_IDEMPOTENCY_KEY:
        _fail(400, "open311.bad_idempotency_key", _("Idempotency-Key is too long."))
    return "o311:" + hashlib.sha256(f"{client.pk}:{key}".encode()).hexdigest()[:59]


# --- views ----------------------------------------------------------------------------------


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Service discovery: where the endpoint is and what it speaks."""
    changed = Category.objects.aggregate(last=Max("updated_at"))["last"]
    changeset = _w3(changed) or ""
    base = request.build_absolute_uri(request.path.rsplit("/", 1)[0])
    body = {
        "changeset": changeset,
        "contact": settings.OPEN311_CONTACT or _("Ask the operator of this site."),
        "key_service": _("API keys are issued by the operator of this site."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", body)


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    resolve_jurisdiction(request.GET.get("jurisdiction_id", ""))
    return render(fmt, "services", [service_row(c) for c in offered_services().order_by("code")])


@endpoint("GET")
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    resolve_jurisdiction(request.GET.get("jurisdiction_id", ""))
    category = offered_services().filter(code=service_code).first()
    if category is None:
        _fail(
            404,
            "open311.service_not_found",
            _("service_code %(code)s was not found.") % {"code": service_code[:16]},
        )
    body = {"service_code": category.code, "attributes": attributes_of(category)}
    return render(fmt, "service_definition", body)


@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    params = request.GET
    cases = requests_in(resolve_jurisdiction(params.get("jurisdiction_id", "")))
    numbers = [n.upper() for n in _listed(params, "service_request_id")]
    if len(numbers) > MAX_REQUESTS:
        _fail(400, "open311.too_many_ids", _("Ask for at most 1000 service_request_id."))
    if numbers:
        # The spec: a list of ids overrides every other argument.
        cases = cases.filter(number__in=numbers)
    else:
        codes = _listed(params, "service_code")
        if codes:
            cases = cases.filter(category_id__in=codes)
        statuses = set(_listed(params, "status"))
        if statuses - {"open", "closed"}:
            _fail(400, "open311.bad_status", _("status must be open, closed or both."))
        if statuses == {"open"}:
            cases = cases.filter(flow__state__in=loop.OPEN_STATES)
        elif statuses == {"closed"}:
            cases = cases.exclude(flow__state__in=loop.OPEN_STATES)
        start, end = _period(params)
        cases = cases.filter(reported_at__gte=start, reported_at__lte=end)
    found = list(cases.order_by("-reported_at", "-id")[:MAX_REQUESTS])
    return render(fmt, "service_requests", _rows(found))


@endpoint("GET")
def request_detail(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    cases = requests_in(resolve_jurisdiction(request.GET.get("jurisdiction_id", "")))
    incident = cases.filter(number=service_request_id.strip().upper()).first()
    if incident is None:
        _fail(404, "open311.request_not_found", _("service_request_id was not found."))
    return render(fmt, "service_requests", _rows([incident]))


@endpoint("GET")
def token_lookup(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    # Requests are created at once, so a token is simply the request's own number.
    cases = requests_in(resolve_jurisdiction(request.GET.get("jurisdiction_id", "")))
    incident = cases.filter(number=token.strip().upper()).first()
    if incident is None:
        _fail(404, "open311.token_not_found", _("token was not found."))
    body = [{"service_request_id": incident.number, "token": incident.number}]
    return render(fmt, "service_requests", body)


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    """POST Service Request: check everything first, then create the case in one transaction."""
    _check_body(request)
    client = client_for_key(_value(request, "api_key"))
    # The key stands for one city or county; a request may name a part of it.
    area = resolve_jurisdiction(_value(request, "jurisdiction_id") or client.jurisdiction_id)
    if not area.startswith(client.jurisdiction_id):
        _fail(
            403,
            "open311.api_key_not_for_jurisdiction",
            _("This api_key is not valid for jurisdiction %(code)s.") % {"code": area},
        )
    code = _value(request, "service_code")
    lng, lat, address, problems = _location(request)
    if not code:
        problems.insert(
            0, Problem("open311.service_code_required", _("service_code was not provided."))
        )
        raise Open311Error(400, *problems)
    category = offered_services().filter(code=code).first()
    if category is None:
        _fail(
            404,
            "open311.service_not_found",
            _("service_code %(code)s was not found.") % {"code": code[:16]},
        )
    values, attribute_problems = _attributes(category, request.POST)
    photos, media_url, media_problems = _media(request)
    problems += attribute_problems + media_problems
    if category.photo_required and not photos and not media_url and not media_problems:
        problems.append(
            Problem(
                "open311.media_required",
                _("This service needs a photo: send a media file or a media_url."),
            )
        )
    phone = _value(request, "phone")
    try:
        phone = parse_phone(phone) if phone else ""
    except DomainError as error:
        problems.append(Problem(error.code, str(error.message)))
    if problems:
        raise Open311Error(400, *problems)
    if lng is not None and lat is not None:
        place = locate_point(lng=lng, lat=lat).microgrid_code
        if place is not None and not place.startswith(area):
            _fail(
                400,
                "open311.outside_jurisdiction",
                _("The location lies outside jurisdiction %(code)s.") % {"code": area},
            )
    key = _client_key(client, request)
    label = f"open311:{client.name}"[:150]
    with acting_as(user=None, source_ip=client_ip(request), label=label):
        incident, _created = intake.report_incident(
            category=category.code,
            description=_value(request, "description") or category.name,
            by=None,
            source=Incident.Source.OPEN311,
            lng=lng,
            lat=lat,
            address=address,
            photos=photos,
            reporter_name=_person(_value(request, "first_name"), _value(request, "last_name")),
            reporter_phone=phone,
            client_key=key,
            # An unplaced report waits at the jurisdiction's desk until someone places it.
            fallback_region=area,
            attributes=values,
            media_url=media_url,
        )
    body = [
        {
            "service_request_id": incident.number,
            "service_notice": service_notice(incident.category_id, incident.priority),
            "account_id": None,
        }
    ]
    return render(fmt, "service_requests", body)
