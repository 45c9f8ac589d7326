"""Topic readers of the console: every record from the beginning, and how far each partition is applied.

The console holds no state of its own: the queue, claims, listings and
sellers are all rebuilt from Kafka by these readers, so a restarted console,
or a second one, shows the same thing. A reader knows the offset it has
applied per partition, so a process that wrote a claim can wait until it has
read that very record back and knows, from the log, whether its claim won.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from agents.kafka.clients import partition_ids

log = logging.getLogger(__name__)

Handler = Callable[[ConsumerRecord], None]


class TopicFeed:
    """Applies every record of its topics to their handlers, from the beginning, until stopped.

    ``caught_up`` is set once what the topics held at start is applied. A handler that fails
    on a record is logged and the record skipped: one bad record must not freeze a console."""

    def __init__(self, bootstrap_servers: str, security: dict[str, object], handlers: dict[str, Handler],
                 name: str, since_ms: Callable[[], int] | None = None) -> None:
        """With ``since_ms``, reading starts at the first record of each partition stamped at or after
        the time it returns when the feed starts (a high-volume topic need not be read from its start)."""
        self.bootstrap_servers = bootstrap_servers
        self.since_ms = since_ms
        self.security = security
        self.handlers = handlers
        self.name = name
        self.caught_up = asyncio.Event()
        self.applied: dict[TopicPartition, int] = {}  # partition -> next offset to apply
        self._moved = asyncio.Condition()
        self._targets: dict[TopicPartition, int] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap_servers, group_id=None,
                                          enable_auto_commit=False, auto_offset_reset="earliest",
                                          max_partition_fetch_bytes=8 * 1024 * 1024, **self.security)
        await self._consumer.start()
        partitions = [TopicPartition(topic, p) for topic in self.handlers
                      for p in await partition_ids(self.bootstrap_servers, topic, self.security)]
        self._consumer.assign(partitions)
        self._targets = await self._consumer.end_offsets(partitions)
        if self.since_ms is None:
            await self._consumer.seek_to_beginning(*partitions)
            self.applied = {tp: 0 for tp in partitions}
        else:
            since = self.since_ms()
            found = await self._consumer.offsets_for_times({tp: since for tp in partitions})
            self.applied = {tp: found[tp].offset if found.get(tp) is not None else self._targets[tp]
                            for tp in partitions}
            for tp, offset in self.applied.items():
                self._consumer.seek(tp, offset)
            log.info("%s: reading from %d ms (%d records to catch up)", self.name, since,
                     sum(self._targets[tp] - offset for tp, offset in self.applied.items()))
        self._task = asyncio.create_task(self._run(), name=f"feed {self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            if not self.caught_up.is_set() and all(self.applied.get(tp, 0) >= end for tp, end in self._targets.items()):
                log.info("%s: caught up", self.name)
                self.caught_up.set()
            try:
                batches = await self._consumer.getmany(timeout_ms=200, max_records=5000)
            except KafkaError as exc:
                log.warning("%s: fetch failed (%s); retrying", self.name, exc)
                await asyncio.sleep(1.0)
                continue
            for tp, messages in batches.items():
                handle = self.handlers[tp.topic]
                for message in messages:
                    try:
                        handle(message)
                    except Exception:
                        log.exception("%s: could not apply %s[%d]@%d", self.name, tp.topic, tp.partition,
                                      message.offset)
                if messages:
                    self.applied[tp] = messages[-1].offset + 1
            if batches:
                async with self._moved:
                    self._moved.notify_all()

    async def applied_past(self, tp: TopicPartition, offset: int, timeout_s: float = 10.0) -> None:
        """Until the record at ``offset`` of ``tp`` is applied (TimeoutError after ``timeout_s``)."""
        async def reached() -> None:
            async with self._moved:
                await self._moved.wait_for(lambda: self.applied.get(tp, 0) > offset)

        await asyncio.wait_for(reached(), timeout_s)
