"""Assistance test world: civil-affairs officers of the county and of town A, sources in
memory (with one mismatch), and a helper that registers an application for the world's
household (王建国 and 李秀英 in micro-grid A1)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django_scopes import scopes_disabled

from civicgrid.accounts.models import Organisation
from civicgrid.accounts.roles import Role
from civicgrid.assistance import adapters
from civicgrid.assistance.adapters import Finding, SourceError
from civicgrid.assistance.services import applications as apps
from civicgrid.workflow.deadlines import SHANGHAI
from tests import factories as f

# A Wednesday morning in August 2024 (Nanjing's standard: 1,050 since 1 July).
MONDAY = datetime(2024, 8, 5, 9, 0, tzinfo=SHANGHAI)
WEDNESDAY = datetime(2024, 8, 7, 9, 0, tzinfo=SHANGHAI)


class MemorySource:
    def __init__(self, name, findings=(), fail=None):
        self.name = name
        self.kinds = adapters.SOURCES[name][1]
        self.findings = list(findings)
        self.fail = fail

    def query(self, id_numbers):
        if self.fail == "garbage":
            raise SourceError(f"{self.name}: row 1 amount 'abc' is not a number")
        if self.fail == "hang":
            import time

            time.sleep(2)
        wanted = set(id_numbers)
        return [x for x in self.findings if x.id_number in wanted]


@pytest.fixture
def civil(world):
    with scopes_disabled():
        bureau = Organisation.all_objects.create(
            name="栖霞区民政局", kind="department", sector="民政", region=world.county
        )
        office = Organisation.all_objects.create(
            name="尧化街道民政办", kind="department", sector="民政", region=world.town_a
        )
    return {
        "county": f.user("cathy_civil", Role.CIVIL_AFFAIRS, "320113", organisation=bureau),
        "town": f.user("tina_civil", Role.CIVIL_AFFAIRS, "320113002", organisation=office),
    }


@pytest.fixture
def sources(world, settings):
    """Every source answers; hrss knows 王建国's pension-age job: wages 6,000 a year."""
    settings.ASSISTANCE_SOURCE_TIMEOUT = 1
    head = world.resident.id_number
    table = {name: MemorySource(name) for name in adapters.SOURCES}
    table["hrss"].findings = [Finding(head, "income:wages", 600_000, "保安公司")]
    adapters.use(lambda: list(table.values()))
    yield table
    adapters.use(None)


@pytest.fixture
def apply(world, sources):
    """`apply(by=..., items=[...])` → an application of the world's household (2 members)."""

    def _apply(by=None, items=(), now=WEDNESDAY, **kw):
        return apps.register_application(
            applicant_id_number=world.resident.id_number,
            by=by or world.staff,
            items=list(items),
            now=now,
            **kw,
        )

    return _apply


@pytest.fixture
def approved(world, civil, apply):
    """`approved(items=[...])` → an application taken all the way to county approval."""
    from datetime import timedelta

    from civicgrid.assistance.services.verification import verify_many

    def _approved(items=(), start=MONDAY, **kw):
        a = apply(items=items, now=start, **kw)
        apps.accept(application=a, by=world.staff, version=1, now=start)
        apps.record_visit(application=a, visit="已入户", by=world.staff, version=2, now=start)
        verify_many(applications=[a], by=civil["town"], now=start)
        a.flow.refresh_from_db()
        apps.propose(application=a, by=civil["town"], version=a.flow.version, now=start)
        later = start + timedelta(days=7)
        apps.close_notice(application=a, by=civil["town"], version=a.flow.version, now=later)
        apps.approve(application=a, by=civil["county"], version=a.flow.version, now=later)
        a.refresh_from_db()
        return a

    return _approved
