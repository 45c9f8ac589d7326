"""How the hot path's outputs reach the broker and when its input offsets are committed.

At-least-once (:class:`Delivery`, the default): offsets are committed only after
every output produced for them is acknowledged. While the broker acknowledges
one batch the next is already being scanned (up to ``max_inflight_batches``),
so the CPU does not idle on round trips. A rebalance waits for every batch in
flight to be acknowledged and committed before the partitions go, so nothing is
skipped; a crash re-delivers what was not committed, with the same decision ids.

When the broker refuses an output (the topic rejects it, the producer gives up,
too few in-sync replicas), the worker neither stops nor commits past it: every
batch in flight is dropped, the producer is replaced (an idempotent producer's
sequence numbers do not survive a refused batch) and the consumer rewinds to
the first uncommitted offsets, so those listings are scanned and produced again
after a backoff.

Exactly-once lives beside it, in :mod:`agents.worker.transactional`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from agents.kafka.batching import enqueue
from agents.kafka.clients import output_tuning
from agents.kafka.clients import producer as make_producer
from pipeline.types import OutputRecord

if TYPE_CHECKING:
    from agents.worker.scan import ListingScanService

log = logging.getLogger(__name__)
RETRY_BACKOFF_S = (0.5, 5.0)  # first and longest wait before producing a refused batch again
Batches = dict[TopicPartition, list]


class InFlight(NamedTuple):
    """A scanned batch whose outputs await acknowledgement (or, exactly-once, its transaction's commit)."""

    acks: asyncio.Future[object]
    starts: dict[TopicPartition, int]  # first offset per partition: where to rewind to
    ends: dict[TopicPartition, int]  # offsets to commit once acknowledged
    records: int
    produced_at: np.ndarray  # produce timestamps (ms) of its records, for the end-to-end latency


def in_flight(acks: asyncio.Future[object], batches: Batches, records: list) -> InFlight:
    starts = {tp: messages[0].offset for tp, messages in batches.items()}
    ends = {tp: messages[-1].offset + 1 for tp, messages in batches.items()}
    stamps = np.fromiter((r.timestamp or 0 for r in records), dtype=float, count=len(records))
    return InFlight(acks, starts, ends, len(records), stamps[stamps > 0])


class Delivery:
    """At-least-once delivery of one scan service: the producer, the batches in flight, the commits."""

    guarantee = "at_least_once"

    def __init__(self, service: ListingScanService) -> None:
        self.service = service
        self.settings = service.settings
        self.in_flight: deque[InFlight] = deque()
        self.retry_backoff_s = RETRY_BACKOFF_S[0]
        self.rewinds = 0  # how many times the batches in flight were dropped and the consumer sent back
        self.rewound_to: dict[TopicPartition, int] = {}  # where the last rewind sent each partition

    def _new_producer(self) -> AIOKafkaProducer:
        return make_producer(self.service.bootstrap_servers, **output_tuning(self.settings), **self.service.security)

    async def start(self) -> None:
        self.producer = self._new_producer()
        await self.producer.start()

    async def stop(self) -> None:
        await self.producer.stop()

    @property
    def report_producer(self) -> AIOKafkaProducer | None:
        """Where reports of the state handlers go (outside any transaction)."""
        return getattr(self, "producer", None)

    @property
    def backlogged(self) -> bool:
        return len(self.in_flight) > self.settings.max_inflight_batches

    async def on_assigned(self, assigned: list[TopicPartition]) -> None:
        """Newly assigned partitions start from their committed offsets, as the consumer reads them."""

    async def submit(self, batches: Batches, records: list, outputs: list[OutputRecord],
                     on_refused: Callable[[], None] | None = None) -> None:
        """Hand a scanned batch's outputs to the producer; its offsets are committed later, once
        every output of this batch and of all earlier ones is acknowledged."""
        acks: asyncio.Future[object]
        try:
            pending, _ = await enqueue(self.producer, outputs)
            acks = asyncio.gather(*pending)
        except KafkaError as exc:  # refused before it was sent: settled like a refused acknowledgement
            acks = asyncio.get_running_loop().create_future()
            acks.set_exception(exc)
        if on_refused is not None:
            acks.add_done_callback(lambda done: on_refused() if done.cancelled() or done.exception() else None)
        self.in_flight.append(in_flight(acks, batches, records))

    async def _replace_producer(self) -> None:
        """A new producer for a refused one, retried while the broker cannot be reached: a
        producer that fails to start must not end the scan, which has nothing to lose by waiting."""
        await self.producer.stop()  # its last batches settle before a new producer writes the same partitions
        while True:
            producer = self._new_producer()
            with self.service.errors.round("producer restart") as round_:
                await producer.start()
            if not round_.failed:
                self.producer = producer
                return
            await producer.stop()
            await asyncio.sleep(self.retry_backoff_s)

    def _settled(self, batch: InFlight) -> None:
        self.service.metrics.end_to_end.observe_many(np.maximum(0.0, time.time() * 1000 - batch.produced_at) / 1000)

    async def commit_acknowledged(self, wait: bool = False) -> None:
        """Commit the offsets of the oldest batches whose outputs are all acknowledged.

        Batches complete in order of submission per partition, and only a prefix of
        completed batches is committed, so no offset passes an unacknowledged output.
        With ``wait``, block until at least the oldest batch is done (back-pressure,
        and the drain on revoke and stop). A refused output stops the prefix there:
        what was acknowledged before it is committed, the rest is rewound."""
        offsets: dict[TopicPartition, int] = {}
        count = 0
        refused: KafkaError | None = None
        while self.in_flight and (wait or self.in_flight[0].acks.done()):
            batch = self.in_flight[0]
            try:
                await batch.acks
            except KafkaError as exc:
                refused = exc
                break
            self.in_flight.popleft()
            offsets.update(batch.ends)
            count += batch.records
            self._settled(batch)
            wait = False
        if offsets:
            try:
                await self.service.consumer.commit(offsets)
                self.service.broker_seen = time.monotonic()
                self.retry_backoff_s = RETRY_BACKOFF_S[0]
            except KafkaError as exc:  # a rebalance took the partitions, or the coordinator moved
                log.warning("commit refused (%r); %d records will be scanned again", exc, count)
            self.service.processed += count
        if refused is not None:
            await self.rewind(refused)

    async def rewind(self, refused: KafkaError) -> None:
        """Drop every batch in flight and scan it again from its first offset with a new producer.

        Nothing past the refused batch is committed, so a crash now would redo the same work;
        staying up avoids a restart loop while the output topic refuses writes."""
        dropped = list(self.in_flight)
        self.in_flight.clear()
        rewind_to: dict[TopicPartition, int] = {}
        for batch in dropped:
            for tp, offset in batch.starts.items():
                rewind_to[tp] = min(offset, rewind_to.get(tp, offset))
        self.rewinds += 1
        self.rewound_to = rewind_to
        log.warning("output refused (%r); %d records in %d batches will be produced again in %.1f s",
                    refused, sum(b.records for b in dropped), len(dropped), self.retry_backoff_s)
        self.service.metrics.output_refusals.inc()
        self.service.metrics.records_rescanned.inc(sum(b.records for b in dropped))
        await asyncio.gather(*(b.acks for b in dropped), return_exceptions=True)
        await self._replace_producer()
        consumer = self.service.consumer
        assigned = consumer.assignment()
        for tp, offset in rewind_to.items():
            if tp in assigned:
                consumer.seek(tp, offset)
        await asyncio.sleep(self.retry_backoff_s)
        self.retry_backoff_s = min(self.retry_backoff_s * 2, RETRY_BACKOFF_S[1])

    async def drain(self) -> None:
        """Every batch in flight acknowledged and committed: before partitions go, and at stop."""
        while self.in_flight:
            await self.commit_acknowledged(wait=True)
