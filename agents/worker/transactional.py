"""Exactly-once delivery: each batch's outputs, seller links and input offsets in one Kafka transaction.

At-least-once leaves a duplicate decision for every listing scanned again after
a crash or a rebalance (226 after one SIGKILL), and every downstream service has
to drop them by decision id. Here a batch's decisions, notices, review
requests, dead letters and ``sellers.links`` records are written in one
transaction together with the batch's input offsets
(``send_offsets_to_transaction``), so a consumer reading ``read_committed``
sees every output of a batch once, or none of it and the batch is scanned
again.

The offsets carry the group's generation and member id
(:mod:`agents.kafka.transactions`): a worker that hung past its session timeout
and lost its partitions cannot commit the transaction it had open, the
coordinator refuses it and it is aborted. Faust's own ``exactly_once`` is not
used: it duplicates and crashes on rebalance (faust-streaming #517, #323).

One transaction is open at a time; the next batch is scanned while the last
one commits. A transaction that fails for any reason (an output refused, too
few in-sync replicas, a coordinator gone, the group rebalanced) is dropped with
its producer: the new producer has the same transactional id, so starting it
aborts whatever the old one left open, and the batch is scanned again from its
first offset.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from agents.kafka.batching import enqueue
from agents.kafka.clients import output_tuning
from agents.kafka.transactions import GroupFencedProducer, stable_committed
from agents.worker.delivery import RETRY_BACKOFF_S, Batches, Delivery, in_flight
from pipeline.types import OutputRecord

if TYPE_CHECKING:
    from agents.worker.scan import ListingScanService

log = logging.getLogger(__name__)
REFETCHED = "batch dropped"  # what the log says of a batch fetched again after a failed transaction
VISIBLE_WAIT_S = 5.0  # how long a drain waits for its last commit to be readable by the partitions' next owner


class TransactionalDelivery(Delivery):
    """Exactly-once delivery of one scan service (``processing_guarantee = exactly_once``)."""

    guarantee = "exactly_once"

    def __init__(self, service: ListingScanService) -> None:
        super().__init__(service)
        self.transactional_id = f"{self.settings.scan_group_id}-{uuid.uuid4().hex[:12]}"
        self.committed: dict[TopicPartition, int] = {}  # offsets of the last committed transaction

    def _new_transactional(self) -> GroupFencedProducer:
        producer = GroupFencedProducer(
            bootstrap_servers=self.service.bootstrap_servers, acks="all", enable_idempotence=True,
            transactional_id=self.transactional_id, transaction_timeout_ms=self.settings.transaction_timeout_ms,
            **output_tuning(self.settings),
            max_request_size=10 * 1024 * 1024, **self.service.security)
        producer.fence_with(self.service.consumer)
        return producer

    async def start(self) -> None:
        await super().start()  # reports of the state handlers, outside any transaction
        self.transactional = self._new_transactional()
        await self.transactional.start()

    async def stop(self) -> None:
        await self.transactional.stop()
        await super().stop()

    @property
    def backlogged(self) -> bool:
        """Never after a submit: the next batch is fetched and scanned while this one commits, and
        the next submit waits for it."""
        return len(self.in_flight) > 1

    async def on_assigned(self, assigned: list[TopicPartition]) -> None:
        """Start each new partition from its stable committed offset: never from one whose
        transaction is still completing, which would scan that transaction's batch again."""
        with self.service.errors.round("stable offsets") as round_:
            offsets = await stable_committed(self.service.consumer, assigned)
        if round_.failed:
            return
        consumer = self.service.consumer
        for tp, offset in offsets.items():
            if offset is not None and tp in consumer.assignment():
                consumer.seek(tp, offset)

    async def submit(self, batches: Batches, records: list, outputs: list[OutputRecord],
                     on_refused: Callable[[], None] | None = None) -> None:
        rewinds = self.rewinds
        await self.commit_acknowledged(wait=True)  # one transaction at a time
        if self.rewinds != rewinds:
            # the last transaction failed and the consumer went back before this batch, which was
            # fetched meanwhile: committing it now would commit offsets past the rewound records and
            # scan this batch twice. It is dropped and fetched again from its first offsets.
            consumer = self.service.consumer
            assigned = consumer.assignment()
            for tp, messages in batches.items():
                if tp not in self.rewound_to and tp in assigned:
                    consumer.seek(tp, messages[0].offset)
            log.warning("%s: %d records fetched while the failed transaction was open, fetched again from their "
                        "first offsets", REFETCHED, sum(len(m) for m in batches.values()))
            if on_refused is not None:
                on_refused()
            return
        batch_ends = {tp: messages[-1].offset + 1 for tp, messages in batches.items()}
        commit = asyncio.get_running_loop().create_task(self._transaction(outputs, batch_ends))
        if on_refused is not None:
            commit.add_done_callback(lambda done: on_refused() if done.cancelled() or done.exception() else None)
        self.in_flight.append(in_flight(commit, batches, records))

    async def _transaction(self, outputs: list[OutputRecord], offsets: dict[TopicPartition, int]) -> None:
        producer = self.transactional
        await producer.begin_transaction()
        pending, _ = await enqueue(producer, outputs)
        await asyncio.gather(*pending)
        await producer.send_offsets_to_transaction(offsets, self.settings.scan_group_id)
        await producer.commit_transaction()

    async def commit_acknowledged(self, wait: bool = False) -> None:
        """Settle the open transaction: committed (its offsets with it), or failed and rewound."""
        while self.in_flight and (wait or self.in_flight[0].acks.done()):
            batch = self.in_flight[0]
            try:
                await batch.acks
            except KafkaError as exc:
                await self.rewind(exc)
                return
            self.in_flight.popleft()
            self.committed.update(batch.ends)
            self.service.broker_seen = time.monotonic()
            self.retry_backoff_s = RETRY_BACKOFF_S[0]
            self.service.processed += batch.records
            self._settled(batch)
            wait = False

    async def _replace_producer(self) -> None:
        """A new transactional producer with the same id: its start aborts what the old one left open."""
        await self.transactional.stop()
        while True:
            producer = self._new_transactional()
            with self.service.errors.round("transactional producer restart") as round_:
                await producer.start()
            if not round_.failed:
                self.transactional = producer
                return
            await producer.stop()
            await asyncio.sleep(self.retry_backoff_s)

    async def drain(self) -> None:
        """The open transaction settled, and its offsets readable: the member that gets these
        partitions next reads them without waiting on the transaction's markers (aiokafka's offset
        fetch does not ask for stable offsets), so it does not scan the batch a second time."""
        await super().drain()
        await self._await_visible()

    async def _await_visible(self) -> None:
        consumer = self.service.consumer
        wanted = {tp: offset for tp, offset in self.committed.items() if tp in consumer.assignment()}
        deadline = time.monotonic() + VISIBLE_WAIT_S
        while wanted and time.monotonic() < deadline:
            try:
                seen = {tp: await consumer.committed(tp) for tp in wanted}
            except KafkaError:
                return
            if all((seen[tp] or 0) >= offset for tp, offset in wanted.items()):
                return
            await asyncio.sleep(0.05)

    @property
    def report_producer(self) -> AIOKafkaProducer | None:
        return getattr(self, "producer", None)
