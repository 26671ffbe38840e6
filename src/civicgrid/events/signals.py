"""Signals other apps may listen to (the command centre keeps its rollups current with them).

`case_changed` is sent inside the transaction of the change, after it was written, with
`incident` (the Incident, its flow as it now is), `action` (the transition name, or
"reported", "evaluate", "supervise", "relocate") and `at` (the time of the change). A receiver
that raises rolls the change back: keep receivers small and correct.
"""

from __future__ import annotations

from django.dispatch import Signal

case_changed = Signal()

# The same for many cases changed at once by one action (the deadline job's escalations), so a
# listener can do its work in one go: sent with `incidents` (a list), `action` and `at`. For
# "escalate" it also carries `before`: {incident id: (state, stage deadline, handler as
# "kind:id" or "")} as each case was just before, so a listener need not read the timelines.
cases_changed = Signal()
