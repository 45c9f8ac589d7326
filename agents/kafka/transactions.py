"""Transactional offset commits that carry the consumer group's generation (KIP-447).

aiokafka's ``send_offsets_to_transaction(offsets, group_id)`` sends
TxnOffsetCommit v0: the group id only. The coordinator then cannot tell a
member of the current generation from a zombie (a worker that hung past its
session timeout, lost its partitions in a rebalance and woke up with a
transaction open): the zombie's transaction would commit its outputs and its
offsets beside those of the worker that took the partitions over, and every
listing of that batch would be decided twice, read_committed or not.

With version 3 the request also names the member and its generation, and the
group coordinator refuses a commit from an older generation
(``ILLEGAL_GENERATION``) or an unknown member (``UNKNOWN_MEMBER_ID``): the
transaction can only be aborted, so the zombie's outputs never become visible.
:class:`GroupFencedProducer` sends that version with the metadata of the
consumer it commits for, read when the commit is sent (after a rebalance the
consumer already has its new generation, and the revoke drain, which runs
before the rejoin, still has the old one, as Kafka's own client does since
KAFKA-9741). The handler is installed into aiokafka's sender for every
producer; one without group metadata sends generation -1, which the
coordinator accepts as it accepts v0.

The other half of KIP-447 is on the reading side: a member that is given a
partition must not start from a committed offset whose transaction is still
completing (its markers not yet written, for instance while the transaction
coordinator fails over), or it scans that transaction's batch a second time.
aiokafka's offset fetch cannot ask for stable offsets; :func:`stable_committed`
sends OffsetFetch v7 with ``require_stable`` and waits while the coordinator
answers UNSTABLE_OFFSET_COMMIT.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Iterable
from typing import Any, TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka import errors as Errors
from aiokafka.producer import sender as aiokafka_sender
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import Boolean, CompactArray, CompactString, Int16, Int32, Int64, Schema, TaggedFields

UNSTABLE_OFFSET_COMMIT = 88  # Kafka's error code: a transaction with offsets for the partition is completing


class GroupFenced(Errors.KafkaError):
    """The group coordinator refused the transaction's offsets: this member's generation is over."""


class TxnOffsetCommitResponse_v3(Response):
    API_KEY = 28
    API_VERSION = 3
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("topics", CompactArray(
            ("name", CompactString("utf-8")),
            ("partitions", CompactArray(("partition_index", Int32), ("error_code", Int16), ("tags", TaggedFields))),
            ("tags", TaggedFields),
        )),
        ("tags", TaggedFields),
    )


class TxnOffsetCommitRequest_v3(RequestStruct):
    FLEXIBLE_VERSION = True
    API_KEY = 28
    API_VERSION = 3
    RESPONSE_TYPE = TxnOffsetCommitResponse_v3
    SCHEMA = Schema(
        ("transactional_id", CompactString("utf-8")),
        ("group_id", CompactString("utf-8")),
        ("producer_id", Int64),
        ("producer_epoch", Int16),
        ("generation_id", Int32),
        ("member_id", CompactString("utf-8")),
        ("group_instance_id", CompactString("utf-8")),
        ("topics", CompactArray(
            ("name", CompactString("utf-8")),
            ("partitions", CompactArray(
                ("partition_index", Int32), ("committed_offset", Int64), ("committed_leader_epoch", Int32),
                ("committed_metadata", CompactString("utf-8")), ("tags", TaggedFields),
            )),
            ("tags", TaggedFields),
        )),
        ("tags", TaggedFields),
    )


GroupTxnOffsetCommitStruct: TypeAlias = TxnOffsetCommitRequest_v3


class GroupTxnOffsetCommitRequest(Request[GroupTxnOffsetCommitStruct]):
    API_KEY = 28

    def __init__(self, transactional_id: str, group_id: str, producer_id: int, producer_epoch: int, generation: int,
                 member_id: str, topics: list[tuple[str, list[tuple[int, int, str]]]]) -> None:
        self._args = (transactional_id, group_id, producer_id, producer_epoch, generation, member_id)
        self._topics = topics

    def build(self, request_struct_class: type[GroupTxnOffsetCommitStruct]) -> GroupTxnOffsetCommitStruct:
        topics = [(name, [(p, offset, -1, metadata, {}) for p, offset, metadata in partitions], {})
                  for name, partitions in self._topics]
        return request_struct_class(*self._args, None, topics, {})


class _Errors:
    """A v3 response in the shape aiokafka's v0 handling reads: ``errors`` of (topic, [(partition, code)])."""

    def __init__(self, response: Any) -> None:
        self.errors = [(name, [(p[0], p[1]) for p in partitions]) for name, partitions, _tags in response.topics]


class GroupFencedOffsetCommitHandler(aiokafka_sender.TxnOffsetCommitHandler):
    """aiokafka's TxnOffsetCommit handler, sending v3 with the group metadata the producer holds."""

    def create_request(self) -> Request[Any]:
        txn_manager = self._sender._txn_manager
        metadata = getattr(txn_manager, "group_metadata", None)
        generation, member_id = metadata() if metadata is not None else (-1, "")
        offset_data: dict[str, list[tuple[int, int, str]]] = collections.defaultdict(list)
        for tp, offset in sorted(self._offsets.items()):
            offset_data[tp.topic].append((tp.partition, offset.offset, offset.metadata))
        return GroupTxnOffsetCommitRequest(txn_manager.transactional_id, self._group_id, txn_manager.producer_id,
                                           txn_manager.producer_epoch, generation, member_id,
                                           list(offset_data.items()))

    def handle_response(self, resp: Any) -> float | None:
        shaped = _Errors(resp)
        for _topic, partitions in shaped.errors:
            for _partition, code in partitions:
                error = Errors.for_code(code)
                if error in (Errors.IllegalGenerationError, Errors.UnknownMemberIdError,
                             Errors.RebalanceInProgressError):
                    self._sender._txn_manager.error_transaction(GroupFenced(
                        f"group {self._group_id} refused the offsets of this transaction: {error.__name__}"))
                    return None
        return super().handle_response(shaped)


aiokafka_sender.TxnOffsetCommitHandler = GroupFencedOffsetCommitHandler  # every producer's sender uses it


class GroupFencedProducer(AIOKafkaProducer):
    """A transactional producer whose offset commits carry ``consumer``'s group generation."""

    def fence_with(self, consumer: AIOKafkaConsumer) -> None:
        def metadata() -> tuple[int, str]:
            coordinator = getattr(consumer, "_coordinator", None)
            if coordinator is None:
                return -1, ""
            return int(coordinator.generation), str(coordinator.member_id)

        self._txn_manager.group_metadata = metadata  # type: ignore[attr-defined]


class OffsetFetchResponse_v7(Response):
    API_KEY = 9
    API_VERSION = 7
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("topics", CompactArray(
            ("name", CompactString("utf-8")),
            ("partitions", CompactArray(
                ("partition_index", Int32), ("committed_offset", Int64), ("committed_leader_epoch", Int32),
                ("metadata", CompactString("utf-8")), ("error_code", Int16), ("tags", TaggedFields),
            )),
            ("tags", TaggedFields),
        )),
        ("error_code", Int16),
        ("tags", TaggedFields),
    )


class OffsetFetchRequest_v7(RequestStruct):
    FLEXIBLE_VERSION = True
    API_KEY = 9
    API_VERSION = 7
    RESPONSE_TYPE = OffsetFetchResponse_v7
    SCHEMA = Schema(
        ("group_id", CompactString("utf-8")),
        ("topics", CompactArray(("name", CompactString("utf-8")), ("partition_indexes", CompactArray(Int32)),
                                ("tags", TaggedFields))),
        ("require_stable", Boolean),
        ("tags", TaggedFields),
    )


StableOffsetFetchStruct: TypeAlias = OffsetFetchRequest_v7


class StableOffsetFetchRequest(Request[StableOffsetFetchStruct]):
    API_KEY = 9

    def __init__(self, group_id: str, partitions: dict[str, list[int]]) -> None:
        self._group_id = group_id
        self._partitions = partitions

    def build(self, request_struct_class: type[StableOffsetFetchStruct]) -> StableOffsetFetchStruct:
        topics = [(name, indexes, {}) for name, indexes in self._partitions.items()]
        return request_struct_class(self._group_id, topics, True, {})


async def stable_committed(consumer: AIOKafkaConsumer, partitions: Iterable[TopicPartition],
                           timeout_s: float = 30.0) -> dict[TopicPartition, int | None]:
    """The group's committed offsets of ``partitions`` once no transaction touching them is
    completing (None: never committed). Raises :class:`Errors.KafkaTimeoutError` after ``timeout_s``."""
    coordinator = consumer._coordinator  # noqa: SLF001 - the consumer's group coordinator sends it
    by_topic: dict[str, list[int]] = collections.defaultdict(list)
    for tp in sorted(partitions):
        by_topic[tp.topic].append(tp.partition)
    if not by_topic or coordinator is None:
        return {}
    deadline = time.monotonic() + timeout_s
    while True:
        offsets: dict[TopicPartition, int | None] = {}
        unstable = False
        try:
            await coordinator.ensure_coordinator_known()
            response = await coordinator._send_req(StableOffsetFetchRequest(coordinator.group_id, dict(by_topic)))
            if response.error_code:
                raise Errors.for_code(response.error_code)()
            for name, rows, _tags in response.topics:
                for index, offset, _epoch, _metadata, code, _row_tags in rows:
                    if code == UNSTABLE_OFFSET_COMMIT:
                        unstable = True
                    elif code:
                        raise Errors.for_code(code)()
                    offsets[TopicPartition(name, index)] = offset if offset >= 0 else None
        except Errors.KafkaError as exc:
            if not exc.retriable:
                raise
            unstable = True
        if not unstable:
            return offsets
        if time.monotonic() > deadline:
            raise Errors.KafkaTimeoutError(f"committed offsets of {dict(by_topic)} still unstable after {timeout_s}s")
        await asyncio.sleep(0.1)
