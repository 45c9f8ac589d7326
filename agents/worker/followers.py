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

from agents.kafka.clients import partition_ids
from agents.worker.background import BackgroundErrors

log = logging.getLogger(__name__)
RETRY_S = 1.0  # wait after a failed round before the next
# A fetch waits for this many bytes or this long: state a scan reads may be a fifth of a second old,
# and every worker following every state record in a fetch of its own cost the broker a request each.
FETCH_MIN_BYTES = 256 * 1024
FETCH_MAX_WAIT_MS = 200

RecordHandler = Callable[[bytes | None, bytes | None, int, int], None]  # key, value, partition, offset
BatchHandler = Callable[[list[ConsumerRecord]], None]  # one fetch's records of one partition


class CompactedTopicFollower(Service):
    """Applies every record of a topic to ``handle``; ``caught_up`` is set once the
    records that existed at start-up are all applied. With ``handle_batch``, a fetch's
    records are applied together (state with vectorised writes rebuilds many times faster
    that way), and one by one with ``handle`` only if the batch fails.

    A round that meets a broker error (while locating the partitions and their end offsets at
    start-up, or fetching) is counted in ``errors`` and retried; the follower never stops
    for it, since a worker without its state followers would scan with stale state."""

    def __init__(self, bootstrap_servers: str, topic: str, handle: RecordHandler, errors: BackgroundErrors,
                 security: dict[str, object] | None = None, handle_batch: BatchHandler | None = None,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.bootstrap_servers = bootstrap_servers
        self.security = security or {}
        self.topic = topic
        self.handle = handle
        self.handle_batch = handle_batch
        self.errors = errors
        self.task = f"follow {topic}"
        self.caught_up = asyncio.Event()
        self.applied = 0
        self._targets: dict[TopicPartition, int] | None = None  # end offsets at start-up, once located

    async def on_start(self) -> None:
        self.consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap_servers, group_id=None,
                                         enable_auto_commit=False, auto_offset_reset="earliest",
                                         fetch_min_bytes=FETCH_MIN_BYTES, fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
                                         **self.security)
        await self.consumer.start()

    async def on_stop(self) -> None:
        if hasattr(self, "consumer"):
            await self.consumer.stop()

    async def _locate(self) -> None:
        """Assign every partition from the beginning and note where start-up state ends."""
        partitions = await partition_ids(self.bootstrap_servers, self.topic, self.security)
        assignment = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self.consumer.assign(assignment)
        await self.consumer.seek_to_beginning(*assignment)
        self._targets = await self.consumer.end_offsets(assignment)

    @Service.task
    async def _follow(self) -> None:
        while not self.should_stop:
            with self.errors.round(self.task) as round_:
                if self._targets is None:
                    await self._locate()
                await self._check_caught_up()
                await self._apply_fetch()
            if round_.failed:
                await self.sleep(RETRY_S)

    async def _apply_fetch(self) -> None:
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

    async def _check_caught_up(self) -> None:
        if self.caught_up.is_set() or self._targets is None:
            return
        for tp, target in self._targets.items():
            if target and await self.consumer.position(tp) < target:
                return
        log.info("%s: caught up after %d records", self.topic, self.applied)
        self.caught_up.set()
