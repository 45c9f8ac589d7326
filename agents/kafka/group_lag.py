"""Consumer-group lag from the offsets each group has committed, for every partition of its topics.

A worker's own lag (end offset minus its position) only covers the partitions
it holds: when workers die or lose their partitions their series vanish, and a
lag alert built on them goes blind exactly in an outage. Committed offsets live
on the broker, so any process that can reach it, one surviving worker or
``counterscan status``, can read the whole group's lag, including partitions
nobody consumes. A partition the group never committed counts from the start
of the log.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from pipeline import topics
from pipeline.settings import Settings

__all__ = ["GroupLag", "LagClock", "read_group_lags", "watched_groups"]


@dataclass(frozen=True, slots=True)
class GroupLag:
    """One partition of a group's topic: log start and end, the group's committed offset (None
    if it never committed there), and the records between."""

    group: str
    topic: str
    partition: int
    end: int
    committed: int | None
    start: int = 0

    @property
    def position(self) -> int:
        """Where the group resumes: its committed offset, else the start of the log."""
        return self.start if self.committed is None else self.committed

    @property
    def lag(self) -> int:
        return max(0, self.end - self.position)


def watched_groups(settings: Settings) -> dict[str, tuple[str, ...]]:
    """The scan group and the feedback agents' group (Faust's, named by the app id), with their topics."""
    return {settings.scan_group_id: (topics.LISTINGS_RAW.name,),
            settings.app_id: (topics.OUTCOMES.name, topics.OUTCOMES_BY_SELLER.name)}


async def read_group_lags(admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer,
                          groups: Mapping[str, Sequence[str]]) -> list[GroupLag]:
    """Every partition of every group's topics. ``consumer`` needs no group: it reads log ends and starts."""
    described = await admin.describe_topics(sorted({t for names in groups.values() for t in names}))
    partitions = {d["topic"]: sorted(p["partition"] for p in d["partitions"]) for d in described
                  if not d.get("error_code")}
    rows: list[GroupLag] = []
    for group, names in groups.items():
        tps = [TopicPartition(t, p) for t in names for p in partitions.get(t, ())]
        if not tps:
            continue
        ends = await consumer.end_offsets(tps)
        starts = await consumer.beginning_offsets(tps)
        committed = await admin.list_consumer_group_offsets(group, partitions=tps)
        for tp in tps:
            offset = committed[tp].offset if tp in committed and committed[tp].offset >= 0 else None
            rows.append(GroupLag(group, tp.topic, tp.partition, ends[tp], offset, starts[tp]))
    return rows


class LagClock:
    """Seconds of lag per group: the records behind over the rate the group committed at lately,
    or, while the group commits nothing at all, how long it has been stuck (so a dead group's
    figure keeps growing instead of reading zero)."""

    def __init__(self, window_s: float = 60.0) -> None:
        self.window_s = window_s
        self._seen: dict[str, list[tuple[float, int]]] = {}  # group -> (time, committed total) samples
        self._moved: dict[str, float] = {}  # group -> when its committed total last grew

    def seconds(self, rows: Sequence[GroupLag], now: float | None = None) -> dict[str, float]:
        now = time.monotonic() if now is None else now
        result: dict[str, float] = {}
        for group in sorted({r.group for r in rows}):
            mine = [r for r in rows if r.group == group]
            committed, lag = sum(r.position for r in mine), sum(r.lag for r in mine)
            samples = [s for s in self._seen.get(group, []) if now - s[0] <= self.window_s] + [(now, committed)]
            self._seen[group] = samples
            if len(samples) == 1 or committed > samples[-2][1]:
                self._moved[group] = now
            elapsed, done = samples[-1][0] - samples[0][0], samples[-1][1] - samples[0][1]
            if lag == 0:
                result[group] = 0.0
            elif done > 0 and elapsed > 0:
                result[group] = lag / (done / elapsed)
            else:
                result[group] = now - self._moved.get(group, now)
        return result
