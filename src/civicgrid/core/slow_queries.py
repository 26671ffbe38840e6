"""Log database statements slower than SLOW_QUERY_MS, on every connection of every process."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

from civicgrid.core import metrics

logger = logging.getLogger("civicgrid.slow_query")
SQL_LIMIT = 2000


def log_slow(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """A database execute wrapper: times the statement, logs it when it took too long."""
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        elapsed_ms = (time.perf_counter() - started) * 1000
        threshold = settings.SLOW_QUERY_MS
        if threshold and elapsed_ms >= threshold:
            alias = context["connection"].alias
            metrics.SLOW_QUERIES.labels(alias).inc()
            # The statement with its placeholders only: the values are residents' data.
            logger.warning(
                "slow query: %.0fms",
                elapsed_ms,
                extra={
                    "duration_ms": round(elapsed_ms, 1),
                    "sql": str(sql)[:SQL_LIMIT],
                    "many": many,
                    "alias": alias,
                },
            )


def install(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """`connection_created` receiver: each connection object gets the wrapper once."""
    if log_slow not in connection.execute_wrappers:
        connection.execute_wrappers.append(log_slow)
