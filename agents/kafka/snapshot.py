"""Read a topic as it is now: every record from a start (the beginning, or a time) to the end
offsets it has when the read starts, outside any consumer group.

What the tools that look at the stream need (a seller's state, training data,
a model comparison): a bounded read that ends, never disturbs the running
workers' group, and shows progress on stderr only when it takes a while.
"""

from __future__ import annotations

from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from tqdm import tqdm

from agents.kafka.clients import partition_ids

Apply = Callable[[list[ConsumerRecord]], int]  # the records of one fetch -> how many were refused


async def read_to_end(consumer: AIOKafkaConsumer, bootstrap: str, topic: str, apply: Apply,
                      security: dict[str, object], progress: bool = True, since_ms: int | None = None) -> int:
    """Apply every record of ``topic`` from its beginning (or from the first record at or after
    ``since_ms``) up to its end offsets now, a fetch at a time. Returns how many ``apply`` refused."""
    partitions = [TopicPartition(topic, p) for p in await partition_ids(bootstrap, topic, security)]
    consumer.assign(partitions)
    ends = await consumer.end_offsets(partitions)
    starts = await consumer.beginning_offsets(partitions)
    if since_ms is not None:
        found = await consumer.offsets_for_times({tp: since_ms for tp in partitions})
        starts = {tp: found[tp].offset if found.get(tp) is not None else ends[tp] for tp in partitions}
    for tp in partitions:
        consumer.seek(tp, starts[tp])
    todo = {tp: end for tp, end in ends.items() if end > starts[tp]}
    refused = 0
    with tqdm(total=sum(ends[tp] - starts[tp] for tp in todo), unit="record", desc=topic, delay=1.0,
              disable=not progress) as bar:
        while todo:
            batches = await consumer.getmany(*todo, timeout_ms=500, max_records=10_000)
            for tp, messages in batches.items():
                refused += apply([m for m in messages if m.offset < todo[tp]])
                bar.update(len(messages))
            for tp in list(todo):
                if await consumer.position(tp) >= todo[tp]:
                    del todo[tp]
    return refused


def snapshot_consumer(bootstrap: str, security: dict[str, object]) -> AIOKafkaConsumer:
    """A consumer for :func:`read_to_end`: no group, no commits."""
    return AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                            max_partition_fetch_bytes=8 * 1024 * 1024, **security)


async def read_topic_now(bootstrap: str, topic: str, apply: Apply, security: dict[str, object],
                         progress: bool = True, since_ms: int | None = None) -> int:
    """:func:`read_to_end` with a consumer of its own, stopped after the read."""
    consumer = snapshot_consumer(bootstrap, security)
    await consumer.start()
    try:
        return await read_to_end(consumer, bootstrap, topic, apply, security, progress, since_ms)
    finally:
        await consumer.stop()
