"""Followers of compacted state topics: every worker reads all of it, from the beginning.

Listings are partitioned by listing id, so any worker may score any seller or
brand; the state they need (seller reputation, brand profiles) is small enough
to hold whole in each worker and is read, not owned.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from mode import Service

from agents.kafka import partition_ids

log = logging.getLogger(__name__)

RecordHandler = Callable[[bytes | None, bytes | None, int, int], None]  # key, value, partition, offset
BatchHandler = Callable[[list[ConsumerRecord]], None]  # one fetch's records of one partition


class CompactedTopicFollower(Service):
    """Applies every record of a topic to ``handle``; ``caught_up`` is set once the
    records that existed at start-up are all applied. With ``handle_batch``, a fetch's
    records are applied together (state with vectorised writes rebuilds many times faster
    that way), and one by one with ``handle`` only if the batch fails."""

    def __init__(self, bootstrap_servers: str, topic: str, handle: RecordHandler,
                 security: dict[str, object] | None = None, handle_batch: BatchHandler | None = None,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.bootstrap_servers = bootstrap_servers
        self.security = security or {}
        self.topic = topic
        self.handle = handle
        self.handle_batch = handle_batch
        self.caught_up = asyncio.Event()
        self.applied = 0

    async def on_start(self) -> None:
        self.consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap_servers, group_id=None,
                                         enable_auto_commit=False, auto_offset_reset="earliest", **self.security)
        await self.consumer.start()
        partitions = await partition_ids(self.bootstrap_servers, self.topic, self.security)
        self.assignment = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self.consumer.assign(self.assignment)
        await self.consumer.seek_to_beginning(*self.assignment)
        self._targets = await self.consumer.end_offsets(self.assignment)

    async def on_stop(self) -> None:
        if hasattr(self, "consumer"):
            await self.consumer.stop()

    @Service.task
    async def _follow(self) -> None:
        await self._check_caught_up()
        while not self.should_stop:
            batches = await self.consumer.getmany(timeout_ms=500, max_records=10000)
            for messages in batches.values():
                if self.handle_batch is not None:
                    try:
                        self.handle_batch(messages)
                        self.applied += len(messages)
                        continue
                    except Exception:
                        log.exception("could not apply %d records of %s at once; one by one", len(messages), self.topic)
                for message in messages:
                    try:
                        self.handle(message.key, message.value, message.partition, message.offset)
                    except Exception:  # one bad state record must not stop the follower
                        log.exception("could not apply %s[%d]@%d", self.topic, message.partition, message.offset)
                    self.applied += 1
            await self._check_caught_up()

    async def _check_caught_up(self) -> None:
        if self.caught_up.is_set():
            return
        for tp, target in self._targets.items():
            if target and await self.consumer.position(tp) < target:
                return
        log.info("%s: caught up after %d records", self.topic, self.applied)
        self.caught_up.set()
