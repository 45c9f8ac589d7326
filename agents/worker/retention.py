"""Committed offsets that fell out of retention: a gap to report, never a silent jump.

When a scan group stops for longer than listings.raw keeps records, its
committed offset of a partition can lie below the partition's log start: the
listings between them were deleted unscanned and will never get a decision.
Left to the consumer's offset reset, the worker would jump to the log start
without a word, and the only trace would be listings nobody decided. Here each
newly assigned partition's committed offset is compared with its log start; a
gap is logged, counted in ``counterscan_records_unscannable_total{topic,partition}``
(which raises ``CounterscanRecordsUnscannable``), and the consumer is placed at
the log start explicitly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import NamedTuple

from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import Counter

log = logging.getLogger(__name__)


class RetentionGap(NamedTuple):
    """Records of a partition between the group's committed offset and the log start."""

    partition: TopicPartition
    committed: int
    log_start: int

    @property
    def records(self) -> int:
        return self.log_start - self.committed


async def retention_gaps(consumer: AIOKafkaConsumer, partitions: Iterable[TopicPartition]) -> list[RetentionGap]:
    """Every partition whose committed offset lies below its log start; never-committed ones are no gap."""
    wanted = sorted(partitions)
    if not wanted:
        return []
    starts = await consumer.beginning_offsets(wanted)
    # side by side: this runs inside the rebalance listener, which every member of the group waits for
    committed = await asyncio.gather(*(consumer.committed(tp) for tp in wanted))
    return [RetentionGap(tp, offset, starts[tp]) for tp, offset in zip(wanted, committed)
            if offset is not None and 0 <= offset < starts[tp]]


async def resume_past_gaps(consumer: AIOKafkaConsumer, partitions: Iterable[TopicPartition],
                           unscannable: Counter) -> list[RetentionGap]:
    """Report each gap of the newly assigned ``partitions`` and resume from the log start."""
    gaps = await retention_gaps(consumer, partitions)
    for gap in gaps:
        tp = gap.partition
        log.error("%s[%d]: the group's committed offset %d is below the log start %d; %d records were deleted by "
                  "retention before they were scanned and get no decision; resuming from the log start",
                  tp.topic, tp.partition, gap.committed, gap.log_start, gap.records)
        unscannable.labels(topic=tp.topic, partition=str(tp.partition)).inc(gap.records)
        consumer.seek(tp, gap.log_start)
    return gaps
