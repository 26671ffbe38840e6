"""Many new rows at once without a model instance each: the deadline job's notifications,
timeline entries and whistles (tens of thousands in a county's worst minute), the command
centre's rollups (millions when rebuilt).

`bulk_create` builds a model instance per row and has psycopg turn each column into an array
in Python; for 20,000 notifications that took ≈ 1.1 s of CPU against ≈ 0.12 s for the same rows
sent with COPY, whose rows psycopg writes in C (bench/RESULTS.md, "Deadline job", stop 16).

Rows hold the values of `fields` (attribute names: `user_id` for a foreign key) as the database
takes them: aware datetimes, ids. JSON fields are encoded with their own encoder. As with
`bulk_create`, no `save()` runs and no signal is sent; a field left out gets NULL or its
database default, not its model default.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection, models

# Rows per `bulk_create` where there is no COPY (SQLite): bounded memory for millions of rows.
CHUNK = 5000


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Store `rows` as new rows of `model` and return their ids, in the order of `rows`.

    On PostgreSQL the ids are taken from the table's sequence first, then sent with the rows.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        return [instance.pk for instance in _created(model, fields, rows)]
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],  # type: ignore[union-attr]
        )
        ids = [row[0] for row in cursor.fetchall()]
    pk = meta.pk.attname  # type: ignore[union-attr]
    _copy(model, [pk, *fields], ((new_id, *row) for new_id, row in zip(ids, rows, strict=True)))
    return ids


def copy_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Store `rows` (any number, read once) as new rows of `model`; returns how many."""
    if connection.vendor == "postgresql":
        return _copy(model, fields, rows)
    stored, pending = 0, iter(rows)
    while chunk := list(islice(pending, CHUNK)):
        stored += len(_created(model, fields, chunk))
    return stored


def _created(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[models.Model]:
    return model._default_manager.bulk_create(
        [model(**dict(zip(fields, row, strict=True))) for row in rows]
    )


def _copy(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    meta, quote = model._meta, connection.ops.quote_name
    columns: list[Any] = [meta.get_field(name) for name in fields]
    names = ", ".join(quote(field.column) for field in columns)
    written = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy,
    ):
        for row in _encoded(columns, rows):
            copy.write_row(row)
            written += 1
    return written


def _encoded(columns: list[Any], rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """The rows with their JSON values encoded by their fields (the others go as they are)."""
    json = [i for i, field in enumerate(columns) if isinstance(field, models.JSONField)]
    if not json:
        yield from rows
        return
    for row in rows:
        values = list(row)
        for index in json:
            values[index] = columns[index].get_db_prep_save(values[index], connection)
        yield values
