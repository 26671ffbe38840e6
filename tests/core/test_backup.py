"""`civicgrid backup` / `civicgrid restore`: a demo world comes back whole; a damaged or foreign
archive is refused before anything is touched."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from civicgrid.core import backup
from tests.core.backup_snapshot import snapshot

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], env_extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update(
        DJANGO_SETTINGS_MODULE="civicgrid.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        LOG_LEVEL="WARNING",
        **env_extra,
    )
    done = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _media(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def demo_world(monkeypatch):
    """The community-scale demo, with boundaries drawn for its district only (the province's
    take a minute and add nothing to a backup test)."""
    from civicgrid.demo.management.commands import demo

    real = demo.synthesize_boundaries
    monkeypatch.setattr(
        demo,
        "synthesize_boundaries",
        lambda *, root_code, seed: real(root_code=demo.DEMO_AREA, seed=seed),
    )
    call_command("demo", scale="community", stdout=StringIO())
    extra = Path(settings.MEDIA_ROOT) / "exports" / "名单.xlsx"
    extra.parent.mkdir(parents=True, exist_ok=True)
    extra.write_bytes(b"PK\x03\x04 not really a workbook")


@pytest.fixture
def scratch_database(tmp_path):
    """An empty database of the vendor under test, named apart from pytest-django's."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"civicgrid_restore_{os.getpid()}"
    admin = {"host": db["HOST"] or None, "port": db["PORT"] or None, "user": db["USER"],
             "password": db["PASSWORD"] or None, "dbname": "postgres", "autocommit": True}  # fmt: skip
    with psycopg.connect(**admin) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}"')
        pg.execute(f'CREATE DATABASE "{name}"')
    try:
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        yield f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    finally:
        with psycopg.connect(**admin) as pg:
            pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_demo_world_comes_back_whole_in_an_empty_database(demo_world, scratch_database, tmp_path):
    archive = tmp_path / "civicgrid.tar"
    call_command("backup", output=str(archive), stdout=StringIO())
    before = snapshot()
    assert before["people_resident"][0] > 1_000
    assert before["events_incident"][0] > 0
    files_before = _media(Path(settings.MEDIA_ROOT))
    assert any(name.startswith("incidents/") for name in files_before)

    restored_media = tmp_path / "restored-media"
    target = {"DATABASE_URL": scratch_database, "MEDIA_ROOT": str(restored_media),
              "CIVICGRID_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    out = _run(["-m", "civicgrid.cli", "restore", str(archive)], target)
    assert "Restored" in out

    after = json.loads(_run(["-m", "tests.core.backup_snapshot"], target))
    assert {table: counts for table, (counts, _rows) in after.items()} == {
        table: counts for table, (counts, _rows) in before.items()
    }
    assert after == before  # the same first, middle and last rows of every table
    assert _media(restored_media) == files_before


@pytest.mark.django_db(transaction=True)  # a backup reads committed data, as in production
class TestRefusals:
    """Each refusal leaves the database and MEDIA_ROOT exactly as they were."""

    @pytest.fixture
    def archive(self, tmp_path, world):
        (Path(settings.MEDIA_ROOT) / "incidents").mkdir(parents=True)
        (Path(settings.MEDIA_ROOT) / "incidents" / "a.jpg").write_bytes(b"\xff\xd8 photo")
        path = tmp_path / "good.tar"
        call_command("backup", output=str(path), stdout=StringIO())
        return path

    def _refused(self, path: Path, match: str, *args: str) -> None:
        media = _media(Path(settings.MEDIA_ROOT))
        users = connection.cursor().execute("SELECT COUNT(*) FROM accounts_user").fetchone()
        with pytest.raises(CommandError, match=match):
            call_command("restore", str(path), *args, stdout=StringIO())
        assert _media(Path(settings.MEDIA_ROOT)) == media
        assert connection.cursor().execute("SELECT COUNT(*) FROM accounts_user").fetchone() == users
        assert not list(Path(settings.MEDIA_ROOT).parent.glob(".restore-*"))  # scratch removed

    def _rewrite(self, source: Path, target: Path, change) -> Path:
        """Copy an archive member by member, letting `change(name, data)` alter or drop each."""
        with tarfile.open(source) as old, tarfile.open(target, "w") as new:
            for info in old:
                data = old.extractfile(info).read()
                data = change(info.name, data)
                if data is None:
                    continue
                info.size = len(data)
                new.addfile(info, io.BytesIO(data))
        return target

    def test_a_sound_archive_passes_the_check(self, archive):
        out = StringIO()
        call_command("restore", str(archive), "--check", stdout=out)
        assert "sound backup" in out.getvalue()

    def test_a_damaged_database_member_is_refused(self, archive, tmp_path):
        def flip(name, data):
            if name.startswith("database."):
                return data[:100] + bytes([data[100] ^ 1]) + data[101:]
            return data

        self._refused(self._rewrite(archive, tmp_path / "bad.tar", flip), "checksum mismatch")

    def test_a_damaged_photo_is_refused(self, archive, tmp_path):
        bad = self._rewrite(archive, tmp_path / "bad.tar",
                            lambda n, d: d + b"x" if n.startswith("media/") else d)  # fmt: skip
        self._refused(bad, "checksum mismatch", "--replace")

    def test_a_cut_short_archive_is_refused(self, archive, tmp_path):
        cut = tmp_path / "cut.tar"
        cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
        self._refused(cut, "not restored", "--replace")

    def test_a_file_that_is_not_an_archive_is_refused(self, tmp_path):
        junk = tmp_path / "junk.tar"
        junk.write_bytes(b"this is not a tar file at all" * 100)
        self._refused(junk, "not a readable backup archive", "--replace")

    def test_a_foreign_archive_is_refused(self, tmp_path):
        foreign = tmp_path / "foreign.tar"
        with tarfile.open(foreign, "w") as tar:
            data = b'{"hello": "world"}'
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        self._refused(foreign, "not a CivicGrid backup", "--replace")

    def test_a_path_outside_the_archive_is_refused(self, archive, tmp_path):
        evil = self._rewrite(archive, tmp_path / "evil.tar", lambda n, d: d)
        with tarfile.open(evil, "a") as tar:
            info = tarfile.TarInfo("media/../../escaped.txt")
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
        self._refused(evil, "unsafe path", "--replace")
        assert not (tmp_path / "escaped.txt").exists()

    def test_another_vendors_backup_is_refused(self, archive, tmp_path):
        other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

        def retarget(name, data):
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest["database"] = {"vendor": other, "member": backup.DATABASE_MEMBERS[other]}
                old = backup.DATABASE_MEMBERS[connection.vendor]
                manifest["members"][backup.DATABASE_MEMBERS[other]] = manifest["members"].pop(old)
                return json.dumps(manifest).encode()
            if name.startswith("database."):
                return None
            return data

        moved = self._rewrite(archive, tmp_path / "other.tar", retarget)
        with tarfile.open(archive) as old, tarfile.open(moved, "a") as tar:
            info = old.getmember(backup.DATABASE_MEMBERS[connection.vendor])
            data = old.extractfile(info).read()
            info.name = backup.DATABASE_MEMBERS[other]
            tar.addfile(info, io.BytesIO(data))
        self._refused(moved, f"this is a {other} backup", "--replace")

    def test_a_backup_from_a_newer_version_is_refused(self, archive, tmp_path):
        def newer(name, data):
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest["migrations"]["core"].append("9999_from_the_future")
                return json.dumps(manifest).encode()
            return data

        self._refused(self._rewrite(archive, tmp_path / "new.tar", newer), "newer CivicGrid")

    def test_a_database_with_data_is_not_overwritten_without_replace(self, archive):
        self._refused(archive, "already holds CivicGrid data")
