"""Django's PostgreSQL backend with server-side parameters and prepared statements.

With `OPTIONS["server_side_binding"]`, psycopg sends each query's text and its parameters
apart, so a query run often on a connection is prepared once (parsed and planned by the server
once, then only executed) and no parameter is quoted into the text in Python. A report then
costs PostgreSQL about a third less CPU (bench/RESULTS.md, "Intake").

The protocol carries at most 65,535 parameters a statement, and Django does not split
statements for PostgreSQL (an `__in` of 70,000 ids is one statement): such a rare statement is
merged client-side, as it would be without server-side parameters, and sent whole.

Times with a time zone are read by psycopg's own loader (in C with psycopg's binary package)
instead of Django's Python subclass of it, where both give the same: an aware datetime in UTC.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base
from psycopg import ClientCursor
from psycopg.types.datetime import TimestamptzLoader

# The frontend/backend protocol counts a statement's parameters in a 16-bit integer.
MAX_PARAMETERS = 2**16 - 1


# Django defines its cursors only when psycopg 3 is installed, out of mypy's sight.
_DjangoServerBindingCursor: Any = base.ServerBindingCursor


class ServerBindingCursor(_DjangoServerBindingCursor):
    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        if params is not None and len(params) > MAX_PARAMETERS:
            with ClientCursor(self.connection) as merging:
                query, params = merging.mogrify(query, params), None
        return super().execute(query, params, **kwargs)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if params.get("cursor_factory") is _DjangoServerBindingCursor:
            params["cursor_factory"] = ServerBindingCursor
        return params

    def create_cursor(self, name: str | None = None) -> Any:
        cursor = super().create_cursor(name)
        if settings.USE_TZ and self.timezone_name == "UTC":
            # Django reads every timestamptz through a Python subclass of psycopg's loader, to
            # set the time zone it wants; on a connection in UTC psycopg's own loader gives
            # that zone already, in C: a quarter of the time (the deadline job read 180,000
            # times in its worst minute, ≈ 18 % of its Python time). Registered per cursor, as
            # Django's check above expects its own loader on the connection.
            cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        return cursor
