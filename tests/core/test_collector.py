"""Server and worker processes freeze what they loaded and collect the young less often."""

from __future__ import annotations

import gc
import importlib

from civicgrid import wsgi
from civicgrid.core import collector


def test_a_server_process_tunes_the_collector_once_the_application_is_loaded():
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    importlib.reload(wsgi)  # what each granian worker does when it starts
    assert gc.get_freeze_count() > 0  # the loaded application is no longer scanned
    assert gc.get_threshold() == collector.THRESHOLDS
