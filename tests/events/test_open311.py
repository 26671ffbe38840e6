"""Open311 GeoReport v2 conformance: every endpoint in XML and JSON, the spec's errors, api_key
and jurisdiction rules, status mapping through the loop, and no personal data in answers."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_scopes import scopes_disabled

from civicgrid.core.models import AuditEntry
from civicgrid.events import open311
from civicgrid.events.models import Incident, Open311Client, Photo
from civicgrid.events.services import intake, merging, steps
from civicgrid.events.services.steps import Handler
from civicgrid.regions.levels import Level
from civicgrid.regions.locate import bump_boundaries_version
from civicgrid.workflow.models import Flow
from tests import factories as f
from tests.events.conftest import IN_A1, IN_B1, LITTER, NOWHERE, jpeg

BASE = "/open311/v2"
QIXIA = "320113"
IN_OTHER_COUNTY = (118.5, 33.5)
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]  # fmt: skip
ATTRIBUTE_FIELDS = [
    "variable", "code", "datatype", "required", "datatype_description", "order", "description",
    "values",
]  # fmt: skip
REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
    "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url",
]  # fmt: skip
MANHOLE = "0501"  # attribute CONDITION is required (a singlevaluelist)
PARK = "1406"  # offered through Open311, no photo required, no attributes
NOT_OFFERED = "0103"


@pytest.fixture
def key(world) -> str:
    return open311.issue_key(name="市民通 app", jurisdiction=QIXIA)[1]


@pytest.fixture
def other_county(world):
    """A second county of Nanjing, north of Qixia, down to one micro-grid."""
    with scopes_disabled():
        box = (118.0, 33.0, 119.0, 34.0)
        county = f.region("320115", "江宁区", Level.COUNTY, box)
        f.region("320115001", "东山街道", Level.TOWN, box)
        f.region("320115001001", "东山社区", Level.COMMUNITY, box)
        f.region("320115001001001", "第1网格", Level.GRID, box)
        f.region("320115001001001001", "第1网格第1微网格", Level.MICROGRID, box)
    bump_boundaries_version()
    return county


def get(path: str, fmt: str = "json", **params):
    query = f"?{urlencode(params, doseq=True)}" if params else ""
    # In English, the language of the msgids, so that labels compare whatever is translated.
    return Client().get(f"{BASE}/{path}.{fmt}{query}", headers={"Accept-Language": "en"})


def post(
    fields: dict, fmt: str = "json", headers: dict | None = None, client: Client | None = None
):
    """A form-encoded POST, as the spec sends it."""
    return (client or Client()).post(
        f"{BASE}/requests.{fmt}",
        urlencode(fields, doseq=True),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
        headers=headers or {},
    )


def form(key: str, **extra) -> dict:
    fields = {
        "api_key": key,
        "jurisdiction_id": QIXIA,
        "service_code": LITTER,
        "lat": IN_A1[1],
        "long": IN_A1[0],
        "description": "小区门口堆了很多垃圾",
        "media_url": "https://photos.example.org/p/1.jpg",
        "first_name": "小明",
        "last_name": "王",
        "phone": "13912345678",
        "email": "wang@example.org",
        "device_id": "tt222111",
        "attribute[VOLUME]": "medium",
    }
    fields.update(extra)
    return {k: v for k, v in fields.items() if v is not None}


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def body(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def error_codes(response) -> list[str]:
    return response["X-Error-Codes"].split(",")


def assert_spec_errors(response, status: int, fmt: str) -> None:
    """The spec's error list: code and description for each error, in either format."""
    assert response.status_code == status
    if fmt == "json":
        errors = body(response)
        assert errors and all(set(e) == {"code", "description"} for e in errors)
        assert all(e["code"] == status and e["description"] for e in errors)
    else:
        root = xml(response)
        assert root.tag == "errors" and len(root)
        for error in root:
            assert error.tag == "error"
            assert [c.tag for c in error] == ["code", "description"]
            assert error.findtext("code") == str(status) and error.findtext("description")


def count() -> tuple[int, int, int]:
    return Incident.all_objects.count(), Flow.all_objects.count(), Photo.objects.count()


def _v(incident: Incident) -> int:
    incident.flow.refresh_from_db()
    return incident.flow.version


def make_request(key: str, **extra) -> Incident:
    response = post(form(key, **extra))
    assert response.status_code == 200, response.content
    return Incident.all_objects.get(number=body(response)[0]["service_request_id"])


# --- discovery and services ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_names_this_endpoint_and_its_formats(world, fmt):
    response = get("discovery", fmt)
    assert response.status_code == 200
    if fmt == "json":
        endpoint = body(response)["endpoints"][0]
        assert endpoint["url"] == "http://testserver/open311/v2"
        assert endpoint["formats"] == ["text/xml", "application/json"]
    else:
        root = xml(response)
        assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
        endpoint = root.find("endpoints/endpoint")
        assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
        assert [e.text for e in endpoint.findall("formats/format")] == [
            "text/xml",
            "application/json",
        ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_are_the_categories_offered_through_open311(world, fmt):
    response = get("services", fmt, jurisdiction_id=QIXIA)
    assert response.status_code == 200
    if fmt == "json":
        services = body(response)
        assert all(list(s) == SERVICE_FIELDS for s in services)
        by_code = {s["service_code"]: s for s in services}
    else:
        root = xml(response)
        assert root.tag == "services"
        assert all(s.tag == "service" and [c.tag for c in s] == SERVICE_FIELDS for s in root)
        by_code = {s.findtext("service_code"): {c.tag: c.text for c in s} for s in root}
    assert NOT_OFFERED not in by_code
    litter = by_code[LITTER]
    assert litter["service_name"] == "暴露垃圾"
    assert litter["description"] == "Exposed rubbish"
    assert litter["type"] == "realtime"
    assert litter["keywords"] == "rubbish, litter, garbage"
    assert litter["group"] == "市容环境"
    assert litter["metadata"] in (True, "true")
    assert by_code["0102"]["metadata"] in (False, "false")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_service_definition_lists_its_attributes_in_order(world, fmt):
    response = get(f"services/{MANHOLE}", fmt, jurisdiction_id=QIXIA)
    assert response.status_code == 200
    if fmt == "json":
        definition = body(response)
        assert list(definition) == ["service_code", "attributes"]
        assert definition["service_code"] == MANHOLE
        attributes = definition["attributes"]
        assert all(list(a) == ATTRIBUTE_FIELDS for a in attributes)
        condition = attributes[0]
        assert condition["code"] == "CONDITION" and condition["required"] is True
        assert condition["variable"] is True and condition["order"] == 1
        assert condition["values"] and all(set(v) == {"key", "name"} for v in condition["values"])
    else:
        root = xml(response)
        assert root.tag == "service_definition"
        assert [c.tag for c in root] == ["service_code", "attributes"]
        attributes = root.findall("attributes/attribute")
        assert all([c.tag for c in a] == ATTRIBUTE_FIELDS for a in attributes)
        condition = attributes[0]
        assert condition.findtext("code") == "CONDITION"
        assert condition.findtext("required") == "true"
        assert condition.findtext("datatype") == "singlevaluelist"
        values = condition.findall("values/value")
        assert values and all([c.tag for c in v] == ["key", "name"] for v in values)
    orders = [a["order"] for a in body(get(f"services/{MANHOLE}", jurisdiction_id=QIXIA))["attributes"]]  # fmt: skip
    assert orders == sorted(orders)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_or_unoffered_service_is_404(world, fmt):
    for code in ("9999", NOT_OFFERED):
        response = get(f"services/{code}", fmt, jurisdiction_id=QIXIA)
        assert_spec_errors(response, 404, fmt)
        assert error_codes(response) == ["open311.service_not_found"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_jurisdiction_id_is_required_unless_a_default_is_configured(world, settings, fmt):
    settings.OPEN311_DEFAULT_JURISDICTION = ""
    response = get("services", fmt)
    assert_spec_errors(response, 400, fmt)
    assert error_codes(response) == ["open311.jurisdiction_required"]
    settings.OPEN311_DEFAULT_JURISDICTION = QIXIA
    assert get("services", fmt).status_code == 200
    assert get("requests", fmt).status_code == 200


@pytest.mark.parametrize("code", ["320199", "320113002", "32", "sfgov.org", "3201x"])
def test_an_unknown_jurisdiction_or_one_that_is_not_a_city_or_county_is_404(world, code):
    for path in ("services", f"services/{LITTER}", "requests", "requests/X", "tokens/X"):
        response = get(path, "xml", jurisdiction_id=code)
        assert_spec_errors(response, 404, "xml")
        assert error_codes(response) == ["open311.jurisdiction_not_found"]


def test_a_city_is_a_jurisdiction_too(world):
    assert get("services", jurisdiction_id="3201").status_code == 200


@pytest.mark.parametrize("path", ["services.html", "services", "requests.yaml", "tokens/X.txt"])
def test_a_format_other_than_xml_or_json_is_404(world, path):
    response = Client().get(f"{BASE}/{path}?jurisdiction_id={QIXIA}")
    assert response.status_code == 404
    if path != "services":
        assert_spec_errors(response, 404, "xml")


def test_a_method_the_endpoint_does_not_offer_is_refused(world):
    response = Client().put(f"{BASE}/services.json?jurisdiction_id={QIXIA}")
    assert response.status_code == 405
    assert error_codes(response) == ["open311.method_not_allowed"]


# --- POST Service Request -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_creates_a_request_and_gets_its_id_at_once(world, key, fmt):
    response = post(form(key), fmt)
    assert response.status_code == 200, response.content
    if fmt == "json":
        (answer,) = body(response)
        assert list(answer) == ["service_request_id", "service_notice", "account_id"]
        number = answer["service_request_id"]
        assert answer["service_notice"]
    else:
        root = xml(response)
        assert root.tag == "service_requests"
        (answer,) = root
        assert answer.tag == "request"
        assert [c.tag for c in answer] == ["service_request_id", "service_notice", "account_id"]
        number = answer.findtext("service_request_id")
    # A realtime service: the id, never a token.
    assert b"<token>" not in response.content and b'"token"' not in response.content
    incident = Incident.all_objects.get(number=number)
    assert incident.source == Incident.Source.OPEN311
    assert incident.region_id == world.micro_a1.code
    assert incident.category_id == LITTER
    assert incident.description == "小区门口堆了很多垃圾"
    assert incident.reporter is None
    assert incident.reporter_name == "王小明"
    assert incident.reporter_phone == "13912345678"
    assert incident.open311_attributes == {"VOLUME": "medium"}
    assert incident.media_url == "https://photos.example.org/p/1.jpg"
    assert incident.flow.state == "reported"
    # The phone they gave lets the citizen follow the case.
    assert steps.citizen_case(number, "139 1234 5678") == incident
    # The timeline names the client application, not a person.
    assert incident.flow.timeline.get().actor_label == "open311:市民通 app"


def test_a_request_without_description_or_person_still_goes_in(world, key):
    incident = make_request(
        key, description=None, first_name=None, last_name=None, phone=None, email=None
    )
    assert incident.description == "暴露垃圾"
    assert incident.reporter_name == "" and incident.reporter_phone == ""


def test_latin_names_keep_their_order(world, key):
    assert make_request(key, first_name="John", last_name="Smith").reporter_name == "John Smith"


def test_api_key_may_come_in_the_query_string(world, key):
    fields = form(key)
    fields.pop("api_key")
    response = Client().post(
        f"{BASE}/requests.json?api_key={key}",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_post_without_a_valid_api_key_is_403_and_creates_nothing(world, key, fmt):
    before = count()
    inactive_client, inactive = open311.issue_key(name="old app", jurisdiction=QIXIA)
    Open311Client.objects.filter(pk=inactive_client.pk).update(is_active=False)
    for api_key, code in [
        (None, "open311.api_key_required"),
        ("", "open311.api_key_required"),
        ("not-a-key", "open311.api_key_invalid"),
        (key + "x", "open311.api_key_invalid"),
        (inactive, "open311.api_key_invalid"),
    ]:
        response = post(form(key, api_key=api_key), fmt)
        assert_spec_errors(response, 403, fmt)
        assert error_codes(response) == [code]
    assert count() == before


def test_keys_are_stored_only_as_digests(world, key):
    client = Open311Client.objects.get()
    assert key not in client.key_hash
    assert len(client.key_hash) == 64
    assert key not in json.dumps(list(AuditEntry.objects.values("data", "object_repr")))


def test_a_key_serves_only_its_own_jurisdiction(world, other_county, key):
    before = count()
    response = post(form(key, jurisdiction_id=other_county.code))
    assert_spec_errors(response, 403, "json")
    assert error_codes(response) == ["open311.api_key_not_for_jurisdiction"]
    # Without jurisdiction_id the key's own jurisdiction applies.
    response = post(form(key, jurisdiction_id=None))
    assert response.status_code == 200
    assert count()[0] == before[0] + 1


def test_a_city_key_may_send_for_its_counties(world, other_county):
    _client, city_key = open311.issue_key(name="南京 app", jurisdiction="3201")
    lng, lat = IN_OTHER_COUNTY
    incident = make_request(city_key, jurisdiction_id=other_county.code, lat=lat, long=lng)
    assert incident.region_id.startswith(other_county.code)


def test_a_place_outside_the_jurisdiction_is_refused(world, other_county, key):
    before = count()
    lng, lat = IN_OTHER_COUNTY
    response = post(form(key, lat=lat, long=lng))
    assert_spec_errors(response, 400, "json")
    assert error_codes(response) == ["open311.outside_jurisdiction"]
    assert count() == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_service_code_and_location_are_listed_together(world, key, fmt):
    before = count()
    response = post(form(key, service_code=None, lat=None, long=None, address_string=None), fmt)
    assert_spec_errors(response, 400, fmt)
    assert error_codes(response) == ["open311.service_code_required", "open311.location_required"]
    assert count() == before


@pytest.mark.parametrize(
    "lat, lng",
    [("31.5", None), (None, "118.5"), ("north", "118.5"), ("95", "118.5"), ("nan", "118.5")],
)
def test_a_half_or_malformed_point_is_refused(world, key, lat, lng):
    response = post(form(key, lat=lat, long=lng))
    assert_spec_errors(response, 400, "json")
    assert error_codes(response) == ["open311.bad_location"]


def test_an_unknown_service_on_post_is_404(world, key):
    before = count()
    for code in ("9999", NOT_OFFERED):
        response = post(form(key, service_code=code))
        assert_spec_errors(response, 404, "json")
        assert error_codes(response) == ["open311.service_not_found"]
    assert count() == before


def test_a_required_attribute_must_be_given(world, key):
    before = count()
    response = post(form(key, service_code=MANHOLE))
    assert_spec_errors(response, 400, "json")
    assert error_codes(response) == ["open311.attribute_required"]
    response = post(form(key, service_code=MANHOLE, **{"attribute[CONDITION]": "no-such-key"}))
    assert error_codes(response) == ["open311.bad_attribute"]
    assert count() == before
    condition = open311.attributes_of(open311.offered_services().get(code=MANHOLE))[0]
    good = condition["values"][0]["key"]
    incident = make_request(key, service_code=MANHOLE, **{"attribute[CONDITION]": good})
    assert incident.open311_attributes["CONDITION"] == good


def test_attribute_values_are_checked_against_their_datatype(world, key):
    surface_values = open311.attributes_of(open311.offered_services().get(code="0201"))[0]
    keys = [v["key"] for v in surface_values["values"]][:2]
    incident = make_request(key, service_code="0201", **{"attribute[SURFACE][]": keys})
    assert incident.open311_attributes == {"SURFACE": keys}
    response = post(form(key, service_code="0406", **{"attribute[BIKE_COUNT]": "many"}))
    assert error_codes(response) == ["open311.bad_attribute"]
    incident = make_request(key, service_code="0406", **{"attribute[BIKE_COUNT]": "12"})
    assert incident.open311_attributes == {"BIKE_COUNT": "12"}
    response = post(form(key, service_code="0301", **{"attribute[OBSERVED_AT]": "yesterday"}))
    assert error_codes(response) == ["open311.bad_attribute"]
    incident = make_request(
        key, service_code="0301", **{"attribute[OBSERVED_AT]": "2026-05-01T08:30:00Z"}
    )
    assert incident.open311_attributes == {"OBSERVED_AT": "2026-05-01T16:30:00+08:00"}
    # Codes the definition does not know are left out.
    incident = make_request(key, **{"attribute[NOT_OURS]": "x"})
    assert incident.open311_attributes == {"VOLUME": "medium"}


def test_a_photo_service_needs_a_media_file_or_a_media_url(world, key):
    before = count()
    response = post(form(key, media_url=None))
    assert_spec_errors(response, 400, "json")
    assert error_codes(response) == ["open311.media_required"]
    response = post(form(key, media_url="javascript:alert(1)"))
    assert error_codes(response) == ["open311.bad_media_url"]
    assert count() == before
    # The common extension: a multipart `media` file, checked and cleaned like every photo.
    fields = form(key, media_url=None)
    upload = io.BytesIO(jpeg())
    upload.name = "photo.jpg"
    response = Client().post(f"{BASE}/requests.json", {**fields, "media": upload})
    assert response.status_code == 200, response.content
    incident = Incident.all_objects.get(number=body(response)[0]["service_request_id"])
    assert incident.photos.count() == 1 and incident.media_url == ""
    not_a_photo = io.BytesIO(b"%PDF-1.4 not a photo")
    not_a_photo.name = "photo.jpg"
    response = Client().post(f"{BASE}/requests.json", {**fields, "media": not_a_photo})
    assert_spec_errors(response, 400, "json")
    assert error_codes(response)[0].startswith("photo.")
    # A service without a photo requirement needs neither.
    assert make_request(key, service_code=PARK, media_url=None, **{"attribute[VOLUME]": None})


def test_a_bad_phone_is_listed_with_the_other_errors(world, key):
    response = post(form(key, phone="12345", service_code=MANHOLE))
    assert error_codes(response) == ["open311.attribute_required", "identity.phone"]


def test_an_address_alone_waits_at_the_jurisdiction_desk(world, key):
    incident = make_request(key, lat=None, long=None, address_string="尧新大道1号")
    assert incident.region_id == QIXIA and incident.desk_id == QIXIA
    assert incident.location_confirmed is False
    assert incident.address == "尧新大道1号"
    incident = make_request(key, lat=None, long=None, address_id="A-1001")
    assert incident.address == "A-1001"


def test_a_point_outside_every_micro_grid_waits_at_the_jurisdiction_desk(world, key):
    lng, lat = NOWHERE
    incident = make_request(key, lat=lat, long=lng)
    assert incident.region_id == QIXIA and incident.location_confirmed is False


def test_resending_with_the_same_idempotency_key_creates_one_request(world, key):
    headers = {"Idempotency-Key": "phone-42-report-7"}
    first = post(form(key), headers=headers)
    again = post(form(key), "xml", headers=headers)
    assert first.status_code == again.status_code == 200
    number = body(first)[0]["service_request_id"]
    assert xml(again).findtext("request/service_request_id") == number
    assert Incident.all_objects.filter(source="open311").count() == 1
    # The same key with other content is refused and changes nothing.
    changed = post(form(key, description="别的事情"), headers=headers)
    assert_spec_errors(changed, 400, "json")
    assert error_codes(changed) == ["events.idempotency_mismatch"]
    # Another application's keys are its own.
    _client, other_key = open311.issue_key(name="other app", jurisdiction=QIXIA)
    other = post(form(other_key), headers=headers)
    assert body(other)[0]["service_request_id"] != number
    assert Incident.all_objects.filter(source="open311").count() == 2


def test_posting_needs_no_session_or_csrf_token(world, key):
    response = post(form(key), client=Client(enforce_csrf_checks=True))
    assert response.status_code == 200


def test_an_oversized_body_is_refused_before_it_is_read(world, key, settings):
    settings.PHOTO_MAX_BYTES = 1024
    fields = form(key, description="垃圾" * 200_000)
    response = post(fields)
    assert_spec_errors(response, 400, "json")
    assert error_codes(response) == ["open311.too_large"]


def test_a_description_longer_than_intake_takes_is_refused(world, key):
    before = count()
    response = post(form(key, description="长" * 2001))
    assert_spec_errors(response, 400, "json")
    assert error_codes(response) == ["events.too_long"]
    assert count() == before


# --- GET Service Requests -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_reads_back_in_the_specs_shape(world, key, fmt):
    incident = make_request(key)
    response = get(f"requests/{incident.number}", fmt, jurisdiction_id=QIXIA)
    assert response.status_code == 200
    if fmt == "json":
        (row,) = body(response)
        assert list(row) == REQUEST_FIELDS
    else:
        root = xml(response)
        assert root.tag == "service_requests"
        (request,) = root
        assert request.tag == "request" and [c.tag for c in request] == REQUEST_FIELDS
        row = {c.tag: c.text for c in request}
    assert row["service_request_id"] == incident.number
    assert row["status"] == "open"
    assert row["service_code"] == LITTER and row["service_name"] == "暴露垃圾"
    assert row["description"] == "小区门口堆了很多垃圾"
    assert row["agency_responsible"] == world.community_a.name
    assert row["service_notice"]
    assert float(row["lat"]) == IN_A1[1] and float(row["long"]) == IN_A1[0]
    assert row["media_url"] == "https://photos.example.org/p/1.jpg"
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        moment = parse_datetime(row[field])
        assert moment is not None and row[field].endswith("+08:00")
    assert parse_datetime(row["expected_datetime"]) > parse_datetime(row["requested_datetime"])
    # Lower case is the same id.
    assert get(f"requests/{incident.number.lower()}", jurisdiction_id=QIXIA).status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_request_or_token_is_404(world, fmt):
    for path, code in [("requests/NOPE", "request"), ("tokens/NOPE", "token")]:
        response = get(path, fmt, jurisdiction_id=QIXIA)
        assert_spec_errors(response, 404, fmt)
        assert error_codes(response) == [f"open311.{code}_not_found"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_token_is_the_request_id(world, key, fmt):
    incident = make_request(key)
    response = get(f"tokens/{incident.number}", fmt, jurisdiction_id=QIXIA)
    assert response.status_code == 200
    if fmt == "json":
        assert body(response) == [{"service_request_id": incident.number, "token": incident.number}]
    else:
        root = xml(response)
        assert root.tag == "service_requests"
        assert [c.tag for c in root.find("request")] == ["service_request_id", "token"]
        assert root.findtext("request/service_request_id") == incident.number


def numbers(response) -> list[str]:
    if response["Content-Type"].startswith("text/xml"):
        return [r.findtext("service_request_id") for r in xml(response)]
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in body(response)]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_list_is_filtered_as_the_spec_says(world, key, report, fmt):
    litter = make_request(key)
    park = make_request(key, service_code=PARK, media_url=None)
    closed = report()  # a grid worker's report of an offered category is listed too
    steps.reject(incident=closed, by=world.staff, version=_v(closed), reason="属于私人领地")
    hidden = report(category=NOT_OFFERED)
    now = timezone.now()
    old, _created = intake.report_incident(
        category=LITTER, description="旧案", by=world.grid_worker, source="grid_worker",
        lng=IN_A1[0], lat=IN_A1[1], photos=[jpeg()], now=now - timedelta(days=120),
    )  # fmt: skip

    def listed(**params):
        return set(numbers(get("requests", fmt, jurisdiction_id=QIXIA, **params)))

    assert listed() == {litter.number, park.number, closed.number}
    assert hidden.number not in listed(service_request_id=hidden.number)
    assert listed(service_code=PARK) == {park.number}
    assert listed(service_code=f"{PARK},{LITTER}") == {litter.number, park.number, closed.number}
    assert listed(service_code=[PARK, "0102"]) == {park.number}
    assert listed(status="open") == {litter.number, park.number}
    assert listed(status="closed") == {closed.number}
    assert listed(status="open,closed") == {litter.number, park.number, closed.number}
    start = (now - timedelta(days=130)).isoformat()
    end = (now - timedelta(days=100)).isoformat()
    assert listed(start_date=start, end_date=end) == {old.number}
    # Only a start: the 90 days after it. Only an end: the 90 days before it.
    assert listed(start_date=start) == {old.number}
    assert listed(end_date=end) == {old.number}
    # An unescaped "+" arrives as a space and is still understood.
    local = timezone.localtime(now - timedelta(days=130)).replace(microsecond=0)
    raw = Client().get(
        f"{BASE}/requests.{fmt}?jurisdiction_id={QIXIA}&start_date={local.isoformat()}"
    )
    assert set(numbers(raw)) == {old.number}
    # A list of ids overrides every other argument.
    assert listed(service_request_id=f"{old.number},{park.number}", status="closed") == {
        old.number,
        park.number,
    }
    assert listed(start_date=now.date().isoformat()) >= {litter.number}


@pytest.mark.parametrize(
    "params, code",
    [
        ({"status": "pending"}, "open311.bad_status"),
        ({"start_date": "last week"}, "open311.bad_date"),
        ({"end_date": "2026-13-45"}, "open311.bad_date"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2025-12-01T00:00:00Z"}, "open311.bad_period"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "open311.period_too_long"),
    ],
)  # fmt: skip
def test_bad_list_arguments_get_the_specs_400(world, params, code):
    response = get("requests", "xml", jurisdiction_id=QIXIA, **params)
    assert_spec_errors(response, 400, "xml")
    assert error_codes(response) == [code]


def test_the_list_stops_at_the_specs_limit(world, key, monkeypatch):
    monkeypatch.setattr(open311, "MAX_REQUESTS", 2)
    for _ in range(3):
        make_request(key, service_code=PARK, media_url=None)
    assert len(body(get("requests", jurisdiction_id=QIXIA))) == 2


def test_each_jurisdiction_sees_only_its_own_requests(world, other_county, key, report):
    ours = make_request(key)
    lng, lat = IN_OTHER_COUNTY
    _client, their_key = open311.issue_key(name="江宁 app", jurisdiction=other_county.code)
    theirs = make_request(their_key, jurisdiction_id=other_county.code, lat=lat, long=lng)
    assert numbers(get("requests", jurisdiction_id=QIXIA)) == [ours.number]
    assert numbers(get("requests", jurisdiction_id=other_county.code)) == [theirs.number]
    assert set(numbers(get("requests", jurisdiction_id="3201"))) == {ours.number, theirs.number}
    listed = get("requests", jurisdiction_id=QIXIA, service_request_id=theirs.number)
    assert numbers(listed) == []
    for path in (f"requests/{theirs.number}", f"tokens/{theirs.number}"):
        assert get(path, jurisdiction_id=QIXIA).status_code == 404
        assert get(path, jurisdiction_id=other_county.code).status_code == 200


def test_open_and_closed_follow_the_loop(world, key):
    case = make_request(key)

    def row(number: str = case.number) -> dict:
        (found,) = body(get(f"requests/{number}", jurisdiction_id=QIXIA))
        return found

    assert row()["status"] == "open"
    assert row()["status_notes"] == "waiting to be registered"
    steps.register(incident=case, by=world.staff, version=_v(case))
    steps.dispatch(
        incident=case,
        to=Handler("department", str(world.officer.organisation_id)),
        by=world.staff,
        version=_v(case),
    )
    steps.accept(incident=case, by=world.officer, version=_v(case))
    handling = row()
    assert handling["status"] == "open"
    assert handling["agency_responsible"] == "栖霞区城市管理局"
    assert handling["status_notes"] == "being handled"
    assert handling["expected_datetime"] is not None
    steps.finish(
        incident=case, by=world.officer, version=_v(case), result="已清运", photos=[jpeg("blue")]
    )
    assert row()["status"] == "open"
    steps.close(incident=case, by=world.staff, version=_v(case))
    case.refresh_from_db()
    closed = row()
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "closed"
    assert closed["expected_datetime"] is None and closed["service_notice"] == ""
    assert parse_datetime(closed["updated_datetime"]) == case.closed_at.replace(microsecond=0)
    # Rejected and merged requests are closed too, and say why.
    rejected = make_request(key)
    steps.reject(incident=rejected, by=world.staff, version=_v(rejected), reason="属于私人领地")
    assert row(rejected.number)["status"] == "closed"
    assert row(rejected.number)["status_notes"] == "属于私人领地"
    survivor, duplicate = make_request(key), make_request(key)
    merging.merge(incident=duplicate, into=survivor, by=world.staff, version=_v(duplicate))
    assert row(duplicate.number)["status"] == "closed"
    assert survivor.number in row(duplicate.number)["status_notes"]
    assert row(survivor.number)["status"] == "open"


def test_a_grid_workers_order_names_the_desk_not_the_worker(world, key):
    case = make_request(key)
    steps.register(incident=case, by=world.staff, version=_v(case))
    steps.dispatch(
        incident=case,
        to=Handler("worker", str(world.grid_worker.pk)),
        by=world.staff,
        version=_v(case),
    )
    (found,) = body(get(f"requests/{case.number}", jurisdiction_id=QIXIA))
    assert found["agency_responsible"] == world.community_a.name


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_answers_carry_no_personal_data_or_photos_of_ours(world, key, report, fmt):
    world.grid_worker.first_name = "吉娜"
    world.grid_worker.save()
    mine = make_request(key, service_code=PARK, media_url=None, first_name="秘密", last_name="张")
    upload = report(reporter_name="李四", reporter_phone="13700001111")  # with a photo of ours
    steps.register(incident=upload, by=world.staff, version=_v(upload))
    steps.dispatch(
        incident=upload,
        to=Handler("worker", str(world.grid_worker.pk)),
        by=world.staff,
        version=_v(upload),
    )
    assert mine.photos.count() == 0 and upload.photos.count() == 1
    responses = [
        get("requests", fmt, jurisdiction_id=QIXIA),
        get(f"requests/{mine.number}", fmt, jurisdiction_id=QIXIA),
        get(f"requests/{upload.number}", fmt, jurisdiction_id=QIXIA),
    ]
    for response in responses:
        text = response.content.decode()
        for secret in (
            "秘密", "张秘密", "13912345678", "李四", "13700001111", "wang@example.org",
            "tt222111", "吉娜", world.grid_worker.username, world.staff.username,
            world.officer.username, "/photos/", "incidents/", upload.photos.get().file,
        ):  # fmt: skip
            assert secret not in text, secret
    rows = body(get("requests", jurisdiction_id=QIXIA))
    assert {r["media_url"] for r in rows} == {""}


def test_answers_are_readable_from_any_web_page(world):
    assert get("services", jurisdiction_id=QIXIA)["Access-Control-Allow-Origin"] == "*"


def test_control_characters_are_refused_in_the_specs_error_format_and_lines_survive(world, key):
    refused = post(form(key, description="第二行\x07响铃"))
    assert refused.status_code == 400
    assert body(refused)[0]["code"] == 400
    assert not Incident.all_objects.exists()
    case = make_request(key, description="第一行\n第二行")
    root = xml(get(f"requests/{case.number}", "xml", jurisdiction_id=QIXIA))
    assert root.findtext("request/description") == "第一行\n第二行"


# --- keys -------------------------------------------------------------------------------------


def test_the_command_prints_a_new_key_once(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("open311_key", "区政务 app", jurisdiction=QIXIA, stdout=out, stderr=err)
    key = out.getvalue().strip()
    client = Open311Client.objects.get()
    assert client.name == "区政务 app" and client.jurisdiction_id == QIXIA and client.is_active
    assert open311.client_for_key(key) == client
    assert key not in err.getvalue()
    assert AuditEntry.objects.filter(action="events.open311.key_issued").count() == 1
    make_request(key)


@pytest.mark.parametrize("code", ["320199", "320113002", ""])
def test_the_command_refuses_an_unknown_jurisdiction(world, code):
    with pytest.raises(CommandError):
        call_command("open311_key", "app", jurisdiction=code, stdout=io.StringIO())
    assert not Open311Client.objects.exists()


def test_the_admin_lists_clients_but_never_issues_keys(world, key, as_user):
    admin = as_user(world.admin)
    page = admin.get("/admin/events/open311client/")
    assert page.status_code == 200
    assert "市民通 app" in page.content.decode()
    assert admin.get("/admin/events/open311client/add/").status_code == 403
    assert as_user(world.county_operator).get("/admin/events/open311client/").status_code == 302


def test_the_point_in_a_sibling_town_is_inside_the_county(world, key):
    lng, lat = IN_B1
    incident = make_request(key, lat=lat, long=lng)
    assert incident.region_id == world.micro_b1.code


def test_a_malformed_default_jurisdiction_stops_the_start(tmp_path):
    src = Path(__file__).resolve().parents[2] / "src"
    environ = {**os.environ, "CIVICGRID_DATA_DIR": str(tmp_path), "PYTHONPATH": str(src)}
    for value, starts in [("qixia", False), ("32011", False), ("320113", True), ("3201", True)]:
        environ["OPEN311_DEFAULT_JURISDICTION"] = value
        result = subprocess.run(
            [sys.executable, "-c", "import civicgrid.settings"],
            env=environ,
            capture_output=True,
            text=True,
        )
        assert (result.returncode == 0) is starts, value
        assert starts or "OPEN311_DEFAULT_JURISDICTION" in result.stderr
