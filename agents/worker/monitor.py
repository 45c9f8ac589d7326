"""Faust's monitor, with its stall check counting a partition's idle time from its assignment.

Every few seconds Faust checks each assigned partition: one whose log has
records past the consumer's position, but whose stream has taken no event for
``stream_processing_timeout``, is logged at ERROR as stalled. The last event's
time per partition lives in the monitor, which clears it at every rebalance;
a partition with records waiting is then compared with the worker's start,
not with its assignment, and called stalled ("has not started processing ...
started 9 minutes ago") in the seconds before its first event arrives. A soak
with a worker restarted every five minutes logged about ten such lines per
restart, none of them a stall. This monitor records the end of each rebalance
as the last event of every partition it assigned, so the check says what it
means: no event for that long since the partition was assigned.
"""

from __future__ import annotations

from time import monotonic
from typing import Any

from faust.sensors import Monitor
from faust.types import AppT


class AssignmentAwareMonitor(Monitor):
    """:class:`faust.sensors.Monitor` whose per-partition stream clock starts at assignment."""

    def on_rebalance_end(self, app: AppT, state: dict[str, Any]) -> None:
        super().on_rebalance_end(app, state)
        assigned = monotonic()
        for tp in app.consumer.assignment():
            self.stream_inbound_time.setdefault(tp, assigned)
