"""Garbage-collector tuning for long-lived batch processes (the worker, its benchmark)."""

from __future__ import annotations

import gc

# The worker's batch jobs build hundreds of thousands of short-lived objects (the deadline job:
# a model instance per case and stage); with Python's default thresholds (700, 10, 10) the
# collector ran every 700 and also kept rescanning the loaded application. Freezing what is
# loaded at start (it lives as long as the process) and collecting the youngest generation
# less often took the deadline job's worst minute from ≈ 12.6 to ≈ 11.8 s (bench/RESULTS.md).
# Not applied in the web servers: there a cursor collected later held a SQLite table locked
# past a test's teardown (bench/RESULTS.md, intake, stop 15).
GC_THRESHOLDS = (10_000, 20, 100)


def tune_garbage_collector() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
