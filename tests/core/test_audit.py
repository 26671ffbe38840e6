"""The audit log is append-only and records every change to users and roles."""

from __future__ import annotations

import pytest

from civicgrid.accounts import services
from civicgrid.accounts.roles import Role
from civicgrid.core.audit import acting_as, log_action
from civicgrid.core.models import AppendOnlyError, AuditEntry

pytestmark = pytest.mark.django_db


def test_an_audit_record_cannot_be_changed_or_deleted(world):
    entry = AuditEntry.objects.first()
    entry.action = "something.else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.update(action="x")
    assert AuditEntry.objects.filter(action="something.else").count() == 0


def test_an_unregistered_action_code_is_refused():
    with pytest.raises(KeyError):
        log_action(None, "nobody.registered.this")


def test_a_role_change_is_logged_with_who_did_it_and_what_changed(world):
    with acting_as(world.admin, "10.1.2.3"):
        services.assign_role(
            user=world.grid_worker,
            role=Role.COMMUNITY_STAFF,
            region_code="320113002001",
            by=world.admin,
        )
    entry = AuditEntry.objects.get(
        action="accounts.user.changed", object_id=str(world.grid_worker.pk)
    )
    assert entry.actor == world.admin
    assert entry.source_ip == "10.1.2.3"
    assert entry.data["changes"]["role"] == {"from": "grid_worker", "to": "community_staff"}
    assert entry.data["changes"]["region_id"] == {"from": "320113002001001", "to": "320113002001"}


def test_a_password_change_is_logged_without_the_hash(world):
    world.grid_worker.set_password("Another-Secret-77!")
    world.grid_worker.save()
    entry = AuditEntry.objects.get(
        action="accounts.user.changed", object_id=str(world.grid_worker.pk)
    )
    assert entry.data["changes"]["password"] == {"changed": True}
    assert "pbkdf2" not in str(entry.data) and "md5" not in str(entry.data)


def test_creating_a_user_is_logged(world):
    created = AuditEntry.objects.filter(action="accounts.user.created")
    assert set(created.values_list("object_repr", flat=True)) >= {"gina_grid", "oscar_outsider"}


def test_a_command_run_from_the_shell_is_named_in_the_audit_log(world, tmp_path, monkeypatch):
    import getpass
    import json

    from django.db import connections

    from civicgrid.cli import main

    # A command closes every connection when it ends; the test's transaction must survive it.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    geojson = tmp_path / "b.geojson"
    geojson.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "320113002001001001"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [
                                [
                                    [118.0, 31.0],
                                    [119.0, 31.0],
                                    [119.0, 32.0],
                                    [118.0, 32.0],
                                    [118.0, 31.0],
                                ]
                            ],
                        },
                    }
                ],
            }
        )
    )
    main(["civicgrid", "import-boundaries", str(geojson)])
    entry = AuditEntry.objects.get(action="regions.boundaries.imported")
    assert entry.actor is None
    assert entry.actor_username == f"cli:{getpass.getuser()} import_boundaries"
