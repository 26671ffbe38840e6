"""Permission-matrix rows for the operators' endpoint: /metrics answers its token, not a login
(without METRICS_TOKEN, as here, it does not exist for anyone). /healthz and /readyz are not
URL routes (core.health answers them before sessions); tests/core/test_health.py covers them."""

from __future__ import annotations

ROWS = {
    ("GET", "/metrics", "metrics"): (404, 404, 404, 404, 404, 404, 404, 404, 404),
}


def operations_matrix() -> dict:
    from tests.test_permission_matrix import row

    return {key: row(*statuses) for key, statuses in ROWS.items()}
