"""The audit administrator reads and exports the audit log (CSV, Excel); the export is logged."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from civicgrid.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_audit_administrator_exports_csv_and_the_export_is_logged(world, audit_admin, as_user):
    response = as_user(audit_admin).get("/audit/export/?format=csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    text = response.content.decode("utf-8-sig")
    assert text.startswith("# exported by audrey_audit at ")
    assert "accounts.user.created" in text and "gina_grid" in text
    entry = AuditEntry.objects.get(action="core.audit.exported")
    assert entry.actor == audit_admin and entry.data["format"] == "csv"
    assert entry.data["rows"] == text.count("\n") - 2


def test_the_excel_export_can_be_limited_to_days(world, audit_admin, as_user):
    response = as_user(audit_admin).get(
        "/audit/export/?format=xlsx&since=2000-01-01&until=2000-01-02"
    )
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0].startswith("exported by audrey_audit") and len(rows) == 2  # no records


def test_bad_filters_are_refused_with_a_clear_error(world, audit_admin, as_user):
    client = as_user(audit_admin)
    assert client.get("/audit/export/?format=pdf").status_code == 400
    assert client.get("/audit/export/?since=yesterday").status_code == 400
    assert not AuditEntry.objects.filter(action="core.audit.exported").exists()


@pytest.mark.parametrize(
    "persona", ["admin", "county_operator", "town_operator", "grid_worker", "leader", "staff"]
)
def test_nobody_else_exports_the_audit_log(world, as_user, persona):
    assert as_user(getattr(world, persona)).get("/audit/export/").status_code == 403


def test_a_town_audit_administrator_exports_only_their_town(world, as_user):
    from civicgrid.accounts.roles import Role
    from tests import factories as f

    town_auditor = f.user("tina_audit", Role.AUDIT_ADMIN, "320113002")
    text = as_user(town_auditor).get("/audit/export/").content.decode("utf-8-sig")
    assert "gina_grid" in text and "oscar_outsider" not in text
