"""Rounds of a worker's background work that may fail without taking the worker with them.

A worker's timers, follower loops, reports and web views all touch the Kafka
clients, and any await of theirs can meet a rebalance that revokes a partition
(``IllegalStateError``), a broker reconnect or a refused request. None of that
is about records: the hot path's own rules (commit after acknowledgement,
rewind on refusal) decide about those. So a background round that fails is
skipped or retried, counted in ``counterscan_background_errors_total{task}``,
and logged once per task and kind of error per minute; it never ends the
service it runs in.
"""

from __future__ import annotations

import asyncio
import logging
import time
from types import TracebackType

from aiokafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Counter

log = logging.getLogger(__name__)

LOG_EVERY_S = 60.0  # one log line per task and kind of error in this long; the rest are counted
# What a round meets in normal operation: a rebalance, a reconnect, a request that timed out.
EXPECTED = (KafkaError, OSError, asyncio.TimeoutError)


class BackgroundErrors:
    """Counts and rate-limits the failures of background rounds, per task.

    Owns one counter and the time each (task, kind) was last logged. Expected
    errors (:data:`EXPECTED`) are logged as one warning line; anything else
    with its traceback, since it is a bug, but it is still contained."""

    def __init__(self, counter: Counter, log_every_s: float = LOG_EVERY_S) -> None:
        self.counter = counter
        self.log_every_s = log_every_s
        self._logged: dict[tuple[str, str], float] = {}  # (task, kind) -> monotonic time logged
        self._unlogged: dict[tuple[str, str], int] = {}  # failures since, not logged

    @classmethod
    def unexported(cls) -> BackgroundErrors:
        """For a follower run outside a worker (a benchmark, a test): counted, never scraped."""
        return cls(Counter("counterscan_background_errors", "unexported", ["task"], registry=CollectorRegistry()))

    def declare(self, task: str) -> None:
        """Export the task's series at 0, so a rate exists before its first failure."""
        self.counter.labels(task=task)

    def round(self, task: str) -> Round:
        """A context manager around one round of ``task``: an exception inside is contained."""
        self.declare(task)
        return Round(self, task)

    def record(self, task: str, error: BaseException) -> None:
        """Count one failure of ``task`` and log it unless its kind was logged within the minute."""
        self.counter.labels(task=task).inc()
        kind = (task, type(error).__name__)
        now = time.monotonic()
        if now - self._logged.get(kind, -self.log_every_s) < self.log_every_s:
            self._unlogged[kind] = self._unlogged.get(kind, 0) + 1
            return
        self._logged[kind] = now
        since = self._unlogged.pop(kind, 0)
        more = f" ({since} more since the last report)" if since else ""
        if isinstance(error, EXPECTED):
            log.warning("%s: round skipped after %r%s; next round goes on", task, error, more)
        else:
            log.error("%s: round failed%s; next round goes on", task, more, exc_info=error)


class Round:
    """One round of a background task. ``failed`` says, after the block, whether it was cut short
    (loops use it to back off before the next round)."""

    def __init__(self, errors: BackgroundErrors, task: str) -> None:
        self.errors = errors
        self.task = task
        self.failed = False

    def __enter__(self) -> Round:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 _traceback: TracebackType | None) -> bool:
        if error is None or not isinstance(error, Exception):  # cancellation and exits pass through
            return False
        self.failed = True
        self.errors.record(self.task, error)
        return True
