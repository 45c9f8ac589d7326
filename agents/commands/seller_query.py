"""``counterscan seller``: one seller's reputation and network, read from the broker.

Reads ``sellers.links`` and then ``sellers.reputation`` to the end offsets they
have when the command starts, outside any consumer group, and builds the same
state a worker holds. Links come first so the network is known before the
reputation is read, and the full reputation record is kept for its members
only (every other seller adds to the network totals, nothing more).
"""

from __future__ import annotations

from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from tqdm import tqdm

from agents.kafka.clients import partition_ids
from pipeline import topics
from pipeline.sellers.state import SellerState
from pipeline.sellers.view import MEMBER_LIMIT

Apply = Callable[[list[tuple[bytes | None, bytes | None]]], int]  # records of one fetch -> how many refused


async def read_seller_state(bootstrap: str, seller_id: str, security: dict[str, object] | None = None,
                            progress: bool = True) -> tuple[SellerState, int]:
    """The state of the seller topics as they are now; also how many link records were not links."""
    security = security or {}
    state = SellerState()

    def apply_links(records: list[tuple[bytes | None, bytes | None]]) -> int:
        return len(state.apply_links(records))

    def apply_reputations(records: list[tuple[bytes | None, bytes | None]]) -> int:
        for key, value in records:
            state.apply_reputation(key, value)
        return 0

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                max_partition_fetch_bytes=8 * 1024 * 1024, **security)
    await consumer.start()
    try:
        rejected = await _read_to_end(consumer, bootstrap, topics.SELLER_LINKS.name, apply_links, security, progress)
        shown = set(state.networks.members(seller_id, MEMBER_LIMIT)) | {seller_id}
        state.keep_details = shown.__contains__
        await _read_to_end(consumer, bootstrap, topics.SELLER_REPUTATION.name, apply_reputations, security, progress)
    finally:
        await consumer.stop()
    return state, rejected


async def _read_to_end(consumer: AIOKafkaConsumer, bootstrap: str, topic: str, apply: Apply,
                       security: dict[str, object], progress: bool) -> int:
    """Apply every record of ``topic`` up to its current end offsets, a fetch at a time; a
    progress bar on stderr appears only if this takes more than a second. Returns how many
    records ``apply`` refused."""
    partitions = [TopicPartition(topic, p) for p in await partition_ids(bootstrap, topic, security)]
    consumer.assign(partitions)
    await consumer.seek_to_beginning(*partitions)
    ends = await consumer.end_offsets(partitions)
    starts = await consumer.beginning_offsets(partitions)
    todo = {tp: end for tp, end in ends.items() if end > starts[tp]}
    refused = 0
    with tqdm(total=sum(ends[tp] - starts[tp] for tp in todo), unit="record", desc=topic, delay=1.0,
              disable=not progress) as bar:
        while todo:
            batches = await consumer.getmany(*todo, timeout_ms=500, max_records=10_000)
            for tp, messages in batches.items():
                refused += apply([(m.key, m.value) for m in messages if m.offset < todo[tp]])
                bar.update(len(messages))
            for tp in list(todo):
                if await consumer.position(tp) >= todo[tp]:
                    del todo[tp]
    return refused
