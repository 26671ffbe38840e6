"""Django's PostgreSQL backend with server-side parameters and prepared statements.

With `OPTIONS["server_side_binding"]`, psycopg sends each query's text and its parameters
apart, so a query run often on a connection is prepared once (parsed and planned by the server
once, then only executed) and no parameter is quoted into the text in Python. A report then
costs PostgreSQL about a third less CPU (bench/RESULTS.md, "Intake").

The protocol carries at most 65,535 parameters a statement, and Django does not split
statements for PostgreSQL (an `__in` of 70,000 ids is one statement): such a rare statement is
merged client-side, as it would be without server-side parameters, and sent whole.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base
from psycopg import ClientCursor

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
