"""Backup archives: one tar with the database, the uploaded files and a manifest of checksums.

Layout: `database.sqlite3` (SQLite's online backup) or `database.pgdump` (pg_dump's custom
format), `media/...` (MEDIA_ROOT), and `manifest.json` last (format, vendor, migrations, the
SHA-256 and size of every other member). A restore reads and checks the whole archive into a
scratch folder before it touches anything; see docs/operations.md, "Backup and restore".
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from civicgrid.core import backup_db

FORMAT = "civicgrid-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """The archive cannot be made or must not be restored; nothing was changed."""


@dataclass(frozen=True)
class Verified:
    """An archive checked member by member and unpacked into `folder`."""

    manifest: dict[str, Any]
    folder: Path

    @property
    def database_file(self) -> Path:
        return self.folder / DATABASE_MEMBERS[self.manifest["database"]["vendor"]]

    @property
    def media_folder(self) -> Path:
        return self.folder / MEDIA


class _Hashing:
    """A file object that hashes what tarfile reads from it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data


def vendor() -> str:
    if connection.vendor not in DATABASE_MEMBERS:
        raise BackupError(f"databases of type {connection.vendor} cannot be backed up")
    return connection.vendor


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _media_files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for folder, _dirs, files in os.walk(root):
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _add(archive: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    info = archive.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with path.open("rb") as raw:
        hashing = _Hashing(raw)
        archive.addfile(info, hashing)  # type: ignore[arg-type]
    return {"sha256": hashing.digest.hexdigest(), "size": info.size}


def create(output: Path) -> dict[str, Any]:
    """Write a backup archive to `output` (through a temporary name: never half a backup)."""
    kind = vendor()
    if connection.in_atomic_block:
        # SQLite's backup would wait for ever on our own open write; pg_dump would miss it.
        raise BackupError("a backup is made outside any transaction")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    migrations = applied_migrations()
    members: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work:
        dump = Path(work) / DATABASE_MEMBERS[kind]
        # The database first, then the files: photos are stored before the rows naming them
        # commit, so every photo the dump refers to is already on disk.
        backup_db.dump(kind, dump)
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
            members[dump.name] = _add(archive, dump, dump.name)
            dump.unlink()
            media_root = Path(settings.MEDIA_ROOT)
            for path in _media_files(media_root):
                name = f"{MEDIA}/{path.relative_to(media_root).as_posix()}"
                members[name] = _add(archive, path, name)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": {"vendor": kind, "member": dump.name},
                "migrations": migrations,
                "members": members,
            }
            text = json.dumps(manifest, indent=1, sort_keys=True).encode()
            manifest_path = Path(work) / MANIFEST
            manifest_path.write_bytes(text)
            _add(archive, manifest_path, MANIFEST)
    os.replace(partial, output)
    return manifest


def _safe_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"the archive holds an unsafe path: {name!r}")
    top = path.parts[0]
    if not (name == MANIFEST or name in DATABASE_MEMBERS.values() or top == MEDIA):
        raise BackupError(f"the archive holds a member no CivicGrid backup has: {name!r}")
    return str(path)


def _unpack(archive_path: Path, folder: Path) -> dict[str, dict[str, Any]]:
    """Every member into `folder` (by our own path checks, never extractall), with its hash."""
    seen: dict[str, dict[str, Any]] = {}
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            for info in archive:
                if info.isdir():
                    continue
                if not info.isfile():
                    raise BackupError(f"the archive holds a link or device: {info.name!r}")
                name = _safe_name(info.name)
                if name in seen:
                    raise BackupError(f"the archive holds {name!r} twice")
                source = archive.extractfile(info)
                assert source is not None  # a regular file
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with target.open("wb") as out:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                seen[name] = {"sha256": digest.hexdigest(), "size": info.size}
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BackupError(f"the file is not a readable backup archive ({exc})") from exc
    return seen


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError("the archive has no readable manifest: not a CivicGrid backup") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("the manifest is not a CivicGrid backup manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"backup format version {manifest.get('format_version')!r} is not the one this "
            f"version reads ({FORMAT_VERSION})"
        )
    for key in ("database", "migrations", "members"):
        if not isinstance(manifest.get(key), dict):
            raise BackupError(f"the manifest has no {key}")
    return manifest


def _check_migrations(manifest: dict[str, Any]) -> None:
    """Refuse a backup made by a newer version (migrations this code does not know)."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(
        f"{app}.{name}"
        for app, names in manifest["migrations"].items()
        for name in names
        if (app, name) not in known
    )
    if unknown:
        raise BackupError(
            "the backup was made by a newer CivicGrid (migrations unknown here: "
            f"{', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}); upgrade first"
        )


def verify(archive_path: Path, folder: Path) -> Verified:
    """Unpack into `folder` and check everything; raises BackupError on the first problem."""
    seen = _unpack(archive_path, folder)
    if MANIFEST not in seen:
        raise BackupError("the archive has no manifest: not a CivicGrid backup, or cut short")
    manifest = _read_manifest(folder)
    kind = manifest["database"].get("vendor")
    if kind not in DATABASE_MEMBERS or manifest["database"].get("member") != DATABASE_MEMBERS[kind]:
        raise BackupError(f"the manifest names an unknown database ({kind!r})")
    listed = manifest["members"]
    present = {name: facts for name, facts in seen.items() if name != MANIFEST}
    if set(listed) != set(present):
        missing = sorted(set(listed) - set(present))
        extra = sorted(set(present) - set(listed))
        raise BackupError(f"the archive does not match its manifest (missing {missing[:3]}, "
                          f"not listed {extra[:3]})")  # fmt: skip
    for name, facts in listed.items():
        if facts != present[name]:
            raise BackupError(f"checksum mismatch for {name}: the archive is damaged")
    if DATABASE_MEMBERS[kind] not in present:
        raise BackupError("the archive holds no database")
    _check_migrations(manifest)
    return Verified(manifest=manifest, folder=folder)


def restore(verified: Verified, *, replace: bool) -> None:
    """Put a verified backup's database and files in place of the current ones."""
    kind = verified.manifest["database"]["vendor"]
    here = vendor()
    if kind != here:
        raise BackupError(f"this is a {kind} backup; the configured database is {here}")
    if not replace and backup_db.has_data():
        raise BackupError(
            "the configured database already holds CivicGrid data; restore into an empty "
            "database, or give --replace to overwrite it"
        )
    backup_db.check_restorable(kind, verified.database_file)
    backup_db.load(kind, verified.database_file, replace=replace)
    _put_media(verified.media_folder, Path(settings.MEDIA_ROOT))


def _put_media(source: Path, media_root: Path) -> None:
    """The backup's files become MEDIA_ROOT; files there before are kept aside, not deleted."""
    if media_root.exists() and any(media_root.iterdir()):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        media_root.rename(media_root.with_name(f"{media_root.name}.before-restore-{stamp}"))
    elif media_root.exists():
        media_root.rmdir()
    media_root.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.move(str(source), str(media_root))
    else:
        media_root.mkdir()
