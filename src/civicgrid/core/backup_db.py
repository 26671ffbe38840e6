"""The database part of a backup: SQLite's online backup API, or pg_dump/pg_restore (run with
fixed argument lists and no shell)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404
from pathlib import Path

from django.db import connection

PG_DUMP = "pg_dump"
PG_RESTORE = "pg_restore"


class DatabaseToolError(Exception):
    pass


def has_data() -> bool:
    """Whether the configured database holds applied migrations (a CivicGrid database)."""
    if "django_migrations" not in connection.introspection.table_names():
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM django_migrations LIMIT 1")
        return cursor.fetchone() is not None


def dump(kind: str, target: Path) -> None:
    if kind == "sqlite":
        _dump_sqlite(target)
    else:
        _run([_tool(PG_DUMP), "--format=custom", "--no-owner", "--no-privileges",
              "--file", str(target)])  # fmt: skip


def check_restorable(kind: str, source: Path) -> None:
    """Read the dump through the tool that will load it, before anything is changed."""
    if kind == "sqlite":
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as db:
            (answer,) = db.execute("PRAGMA quick_check").fetchone()
        if answer != "ok":
            raise DatabaseToolError(f"the SQLite file in the backup is damaged: {answer}")
    else:
        _run([_tool(PG_RESTORE), "--list", str(source)])


def load(kind: str, source: Path, *, replace: bool) -> None:
    if kind == "sqlite":
        _load_sqlite(source)
    else:
        # One transaction: a dump that fails half-way leaves the database as it was.
        command = [_tool(PG_RESTORE), "--single-transaction", "--exit-on-error", "--no-owner",
                   "--no-privileges", "--dbname", _pg_env()["PGDATABASE"]]  # fmt: skip
        if replace:
            command += ["--clean", "--if-exists"]
        _run([*command, str(source)])
    connection.close()


def _dump_sqlite(target: Path) -> None:
    """A consistent copy while the application goes on writing (SQLite's backup API)."""
    connection.ensure_connection()
    live = connection.connection
    with sqlite3.connect(target) as copy:
        live.backup(copy)
    copy.close()


def _load_sqlite(source: Path) -> None:
    connection.ensure_connection()
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as backup:
        backup.backup(connection.connection)
    backup.close()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DatabaseToolError(
            f"{name} is not installed (Debian: apt-get install postgresql-client)"
        )
    return found


def _pg_env() -> dict[str, str]:
    """libpq's variables for the configured database: no password on a command line."""
    db = connection.settings_dict
    env = {"PGDATABASE": str(db["NAME"])}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                     ("PASSWORD", "PGPASSWORD")):  # fmt: skip
        if db.get(key):
            env[var] = str(db[key])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env


def _run(command: list[str]) -> None:
    env = {**os.environ, **_pg_env()}
    # A fixed argument list (the tool found on PATH, our options, our file names), no shell.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if done.returncode != 0:
        tool = Path(command[0]).name
        raise DatabaseToolError(f"{tool} failed: {done.stderr.strip()[-2000:]}")
