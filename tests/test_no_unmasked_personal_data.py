"""No answer the grid worker can get holds a full ID number or mobile number: every GET route of
the permission matrix that opens to them is fetched and searched for the full values.

Grid workers see the register masked (SECURITY.md "Personal information"); only roles that need
full values (community staff, civil affairs) may ask for them, with a reason, and are logged.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from urllib.parse import unquote

import pytest
from django_scopes import scopes_disabled

from civicgrid.events.models import Incident
from civicgrid.people.models import ChangeRequest, Resident
from tests import factories as f
from tests import test_permission_matrix as matrix
from tests.conftest import client_for

MATRIX = matrix.MATRIX
# The matrix's own fixtures: a citizen's report with a phone, and a grid worker's report.
incident = matrix.incident
field_report = matrix.field_report

pytestmark = pytest.mark.django_db


def personal_values() -> set[str]:
    """Every full ID number and mobile number in this world: residents', reporters', and those
    waiting in change requests."""
    with scopes_disabled():
        values = set(Resident.objects.values_list("id_number", flat=True))
        values |= set(Resident.objects.exclude(phone="").values_list("phone", flat=True))
        values |= set(
            Incident.objects.exclude(reporter_phone="").values_list("reporter_phone", flat=True)
        )
        for payload in ChangeRequest.objects.values_list("payload", flat=True):
            values |= {str(v) for k, v in payload.items() if k in ("phone", "id_number") and v}
    return {v for v in values if v}


def grid_worker_get_urls(ids: dict) -> list[str]:
    return sorted(
        {
            url.format(**ids)
            for (method, url, _route), expected in MATRIX.items()
            if method == "GET" and expected["grid_worker"] == 200
        }
    )


def test_the_grid_worker_never_receives_a_full_id_number_or_phone(world, incident, field_report):
    third = f.resident(
        world.household,
        "王小红",
        f.id_number("320113", date(1985, 1, 2), 33),
        relation="child",
        phone="13700002222",
    )
    assert third.pk
    secrets = personal_values()
    assert {"13812345678", "13900001111", "13700002222"} <= secrets
    ids = {"resident": world.resident.pk, "case": incident.number, "report": field_report}
    ids |= {"notification": 0, "page_summons": incident.summons_for_page.pk}
    ids |= matrix.domain_ids(world)
    client = client_for(world.grid_worker)
    urls = grid_worker_get_urls(ids)
    # Each resident's own page and API answer too, not only the first one's.
    urls += [f"/people/residents/{third.pk}/", f"/api/v1/people/residents/{third.pk}"]
    assert len(urls) > 30
    leaks = {}
    seen_names: set[str] = set()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        if raw[:2] == b"PK":  # an Excel file: search the sheets' XML, not the zip
            with zipfile.ZipFile(io.BytesIO(raw)) as book:
                raw = b"".join(book.read(name) for name in book.namelist())
        body = unquote(raw.decode("utf-8", errors="replace"))
        seen_names |= {name for name in ("王建国", "王小红") if name in body}
        found = sorted(value for value in secrets if value in body)
        if found:
            leaks[url] = found
    assert leaks == {}
    # The crawl did reach the register: the residents were there, only masked.
    assert seen_names == {"王建国", "王小红"}
