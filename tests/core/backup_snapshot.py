"""Counts and sampled rows of every table, comparable between two databases of one vendor."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def snapshot() -> dict[str, Any]:
    """table → [row count, first, middle and last rows by primary key]."""
    quote = connection.ops.quote_name
    result: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            key = connection.introspection.get_primary_key_column(cursor, table)
            order = quote(key) if key else "1"
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            (count,) = cursor.fetchone()
            rows = []
            for offset in sorted({0, count // 2, max(count - 1, 0)}):
                cursor.execute(
                    f"SELECT * FROM {quote(table)} ORDER BY {order} LIMIT 1 OFFSET %s",
                    [offset],
                )
                rows += [[_plain(v) for v in row] for row in cursor.fetchall()]
            result[table] = [count, rows]
    return result


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(snapshot()))
