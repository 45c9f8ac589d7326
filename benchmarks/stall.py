"""The ``downstream_stall`` fault: listings.decisions refuses every write for a while.

The broker is made to reject each decision with MessageSizeTooLarge by lowering
the topic's ``max.message.bytes`` for ``STALL_S`` seconds, then restoring its
configuration; nothing is deleted, so no output is lost by the fault itself.
(Raising ``min.insync.replicas`` above the replica count would not do: the
broker caps it at the replicas it has, so a one-node cluster keeps accepting.)

While the topic refuses writes, and a few seconds after, the group's committed
offsets of listings.raw are sampled together with the end offsets of the output
topics. After the run every sample is audited: each listing below a committed
offset must have had a decision or dead letter below the output end offsets
read right after that commit, i.e. the worker never committed past an output
it had not produced.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from pipeline import topics

if TYPE_CHECKING:
    from benchmarks.stage import Stage

STALL_S = 10.0
AFTER_S = 5.0  # sampling goes on while the worker recovers
SAMPLE_EVERY_S = 0.5
REFUSING_BYTES = "100"  # below any decision record: every produce to the topic is refused
DYNAMIC_TOPIC_CONFIG = 1  # config_source of a per-topic override
OUTPUTS = (topics.DECISIONS.name, topics.DEADLETTER.name)


@dataclass(frozen=True)
class Sample:
    """Committed input offsets, then the output end offsets read right after them."""

    committed: dict[int, int]  # listings.raw partition -> committed offset
    output_ends: dict[TopicPartition, int]


def downstream_stall(stage: Stage) -> None:
    stalled, recovering = asyncio.run(_stall(stage.bootstrap, stage.group))
    first, last = stalled[0].committed, stalled[-1].committed
    stage.notes.update(
        stall_s=STALL_S,
        stall_commit_samples=len(stalled) + len(recovering),
        # while the topic refused writes: how far commits and decisions still moved
        stall_committed_advance=sum(last.get(p, 0) - first.get(p, 0) for p in last),
        stall_decisions_written=_decisions(stalled[-1]) - _decisions(stalled[0]),
    )
    stage.after.append(lambda: stage.notes.update(_audit(stage, stalled + recovering)))


def _decisions(sample: Sample) -> int:
    return sum(end for tp, end in sample.output_ends.items() if tp.topic == topics.DECISIONS.name)


async def _stall(bootstrap: str, group: str) -> tuple[list[Sample], list[Sample]]:
    """Refuse writes to listings.decisions for STALL_S, then restore; samples taken while
    refusing, and for AFTER_S after."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        overrides = await refuse_writes(admin, topics.DECISIONS.name)
        stalled: list[Sample] = []
        try:
            restore_at = time.monotonic() + STALL_S
            while time.monotonic() < restore_at:
                stalled.append(await sample_commits(admin, consumer, group))
                await asyncio.sleep(SAMPLE_EVERY_S)
        finally:
            await accept_writes(admin, topics.DECISIONS.name, overrides)
        recovering = []
        until = time.monotonic() + AFTER_S
        while time.monotonic() < until:
            recovering.append(await sample_commits(admin, consumer, group))
            await asyncio.sleep(SAMPLE_EVERY_S)
        return stalled, recovering
    finally:
        await consumer.stop()
        await admin.close()


async def refuse_writes(admin: AIOKafkaAdminClient, topic: str) -> dict[str, str]:
    """Make ``topic`` refuse every record; returns its own settings, for :func:`accept_writes`.
    The broker applies the change shortly after it answers."""
    overrides = await _topic_overrides(admin, topic)
    await _alter(admin, topic, {**overrides, "max.message.bytes": REFUSING_BYTES})
    return overrides


async def accept_writes(admin: AIOKafkaAdminClient, topic: str, overrides: dict[str, str]) -> None:
    """Put back the settings :func:`refuse_writes` returned."""
    await _alter(admin, topic, overrides)


async def _topic_overrides(admin: AIOKafkaAdminClient, topic: str) -> dict[str, str]:
    """The topic's own settings: alter_configs replaces all of them, so they are put back in full."""
    (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    (resource,) = response.resources
    return {entry[0]: entry[1] for entry in resource[4] if entry[3] == DYNAMIC_TOPIC_CONFIG}


async def _alter(admin: AIOKafkaAdminClient, topic: str, configs: dict[str, str]) -> None:
    for response in await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs)]):
        for error_code, message, *_ in response.resources:
            if error_code:
                raise RuntimeError(f"altering {topic} failed (error {error_code}): {message}")


async def sample_commits(admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer, group: str) -> Sample:
    """The group's committed offsets of listings.raw, then the output end offsets."""
    offsets = await admin.list_consumer_group_offsets(group)
    committed = {tp.partition: meta.offset for tp, meta in offsets.items()
                 if tp.topic == topics.LISTINGS_RAW.name and meta.offset >= 0}
    outputs = [TopicPartition(name, p) for name in OUTPUTS for p in range(_partitions(name))]
    return Sample(committed, await consumer.end_offsets(outputs))


def _partitions(name: str) -> int:
    return next(spec.partitions for spec in topics.ALL_TOPICS if spec.name == name)


def _audit(stage: Stage, samples: list[Sample]) -> dict[str, int]:
    refusals = sum(path.read_text(errors="replace").count("output refused") for path in stage.log_dir.glob("*.log"))
    return {"stall_commits_past_outputs": len(commits_past_outputs(stage.bootstrap, samples)),
            "stall_worker_refusals_logged": refusals,
            "stall_workers_exited": sum(w.poll() is not None for w in stage.workers)}


def commits_past_outputs(bootstrap: str, samples: list[Sample]) -> set[str]:
    """Listings below a sampled commit without an output below that sample's output ends: a
    commit that passed an output the broker had not acknowledged."""
    raw_ends = {TopicPartition(topics.LISTINGS_RAW.name, p): max(s.committed.get(p, 0) for s in samples)
                for p in range(topics.LISTINGS_RAW.partitions)}
    output_ends = {tp: max(s.output_ends[tp] for s in samples) for tp in samples[0].output_ends}
    raw = asyncio.run(_read(bootstrap, raw_ends))
    outputs = asyncio.run(_read(bootstrap, output_ends))
    first_output: dict[str, dict[TopicPartition, int]] = {}  # listing id -> earliest offset per output partition
    for tp, offset, _key, value in outputs:
        record = orjson.loads(value)
        listing = record["listing_id"] if tp.topic == topics.DECISIONS.name else record["source"]["key"]
        first_output.setdefault(listing, {}).setdefault(tp, offset)
    listing_at = {(tp.partition, offset): key.decode() for tp, offset, key, _value in raw if key is not None}
    past = set()
    for sample in samples:
        for partition, committed in sample.committed.items():
            for offset in range(committed):
                listing = listing_at.get((partition, offset))
                seen = first_output.get(listing, {}) if listing else {}
                if listing and not any(o < sample.output_ends[tp] for tp, o in seen.items()):
                    past.add(listing)
    return past


async def _read(bootstrap: str, ends: dict[TopicPartition, int]) -> list[tuple[TopicPartition, int, bytes | None, bytes]]:
    """Every record of the partitions from the beginning up to (not including) ``ends``."""
    wanted = {tp: end for tp, end in ends.items() if end > 0}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest", max_partition_fetch_bytes=8 * 1024 * 1024)
    await consumer.start()
    records = []
    try:
        if not wanted:
            return records
        consumer.assign(list(wanted))
        await consumer.seek_to_beginning(*wanted)
        while [tp for tp, end in wanted.items() if await consumer.position(tp) < end]:
            for tp, messages in (await consumer.getmany(timeout_ms=500, max_records=20000)).items():
                records.extend((tp, m.offset, m.key, m.value) for m in messages if m.offset < wanted[tp])
        return records
    finally:
        await consumer.stop()
