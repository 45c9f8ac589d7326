"""The worker's Faust monitor starts each partition's stall clock when the partition is assigned."""

from __future__ import annotations

from pathlib import Path
from time import monotonic
from types import SimpleNamespace

from faust.types import TP

from agents.worker.app import create_app
from agents.worker.monitor import AssignmentAwareMonitor
from pipeline.settings import Settings

ASSIGNED = {TP("enforcement.outcomes", 1), TP("counterscan.outcomes-by-seller", 4)}


def _app(assigned: set[TP]) -> SimpleNamespace:
    """What the monitor reads of an app at a rebalance: its count and its consumer's assignment."""
    return SimpleNamespace(rebalancing_count=1, consumer=SimpleNamespace(assignment=lambda: set(assigned)))


def test_a_rebalance_starts_the_clock_of_every_partition_it_assigns():
    monitor = AssignmentAwareMonitor()
    monitor.stream_inbound_time[TP("listings.raw", 0)] = 1.0  # revoked: forgotten, as Faust forgets it
    before = monotonic()
    app = _app(ASSIGNED)
    monitor.on_rebalance_end(app, monitor.on_rebalance_start(app))
    assert set(monitor.stream_inbound_time) == ASSIGNED
    assert all(before <= at <= monotonic() for at in monitor.stream_inbound_time.values())


def test_the_worker_app_uses_it(tmp_path: Path):
    settings = Settings.load(env={"COUNTERSCAN_ROLES": "feedback", "COUNTERSCAN_STATE_DIR": str(tmp_path),
                                  "COUNTERSCAN_BOOTSTRAP_SERVERS": "127.0.0.1:9"})
    assert isinstance(create_app(settings).monitor, AssignmentAwareMonitor)
