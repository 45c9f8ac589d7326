"""Operator commands: where the scan group stands, and re-scoring from a point in time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client import CollectorRegistry, generate_latest
from tqdm import tqdm

from agents.kafka.batching import produce_all
from agents.kafka.clients import client_security, output_tuning, partition_ids, producer
from agents.kafka.group_lag import read_group_lags, watched_groups
from agents.worker.metrics import group_lag_gauges
from pipeline import topics
from pipeline.scanner import Scanner
from pipeline.settings import Settings
from pipeline.types import InputRecord


@dataclass(frozen=True, slots=True)
class PartitionState:
    """One partition of listings.raw as ``counterscan status`` shows it: end, committed offset and lag."""

    partition: int
    end: int
    committed: int | None

    @property
    def lag(self) -> int:
        return self.end - (self.committed or 0)


async def group_status(bootstrap: str, group: str,
                       security: dict[str, object] | None = None) -> tuple[list[PartitionState], list[str], str]:
    """Per partition of listings.raw: end offset and the group's committed offset; members; state."""
    security = security or {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **security)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, **security)
    await admin.start()
    await consumer.start()
    try:
        lags = await read_group_lags(admin, consumer, {group: (topics.LISTINGS_RAW.name,)})
        (described,) = await admin.describe_consumer_groups([group])
        _error, _group, state, _protocol_type, _protocol, members = described.groups[0][:6]
        names = [f"{m[1]} ({m[2]})" for m in members]  # client id and host
        rows = [PartitionState(r.partition, r.end, r.committed) for r in lags]
        return rows, names, state
    finally:
        await consumer.stop()
        await admin.close()


def format_status(rows: list[PartitionState], members: list[str], state: str, group: str) -> str:
    lines = [f"group {group}: {state}, {len(members)} member(s)"]
    lines += [f"  {m}" for m in members]
    lines.append(f"{'partition':>9} {'end':>12} {'committed':>12} {'lag':>10}")
    for row in rows:
        committed = "-" if row.committed is None else str(row.committed)
        lines.append(f"{row.partition:>9} {row.end:>12} {committed:>12} {row.lag:>10}")
    lines.append(f"{'total':>9} {sum(r.end for r in rows):>12} {'':>12} {sum(r.lag for r in rows):>10}")
    return "\n".join(lines)


def status_document(rows: list[PartitionState], members: list[str], state: str, group: str) -> dict[str, object]:
    """What ``counterscan status --json`` writes: the group, its state and members, and per
    partition of listings.raw its end offset, the group's committed offset (null if none) and lag."""
    return {
        "group": group, "state": state, "members": members, "topic": topics.LISTINGS_RAW.name,
        "partitions": [{"partition": r.partition, "end": r.end, "committed": r.committed, "lag": r.lag} for r in rows],
        "total": {"end": sum(r.end for r in rows), "lag": sum(r.lag for r in rows)},
    }


async def replay(bootstrap: str, settings: Settings, since: datetime, progress: bool = True) -> int:
    """Scan listings.raw again from ``since`` up to the offsets it has now, with the rules in force,
    and write the outputs as a worker would: a backfill after a rule change. Outside the consumer
    group, so running workers are not disturbed."""
    scanner = Scanner(settings.scoring)
    security = client_security(settings)
    raw = topics.LISTINGS_RAW.name
    partitions = [TopicPartition(raw, p) for p in await partition_ids(bootstrap, raw, security)]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                max_partition_fetch_bytes=settings.partition_fetch_bytes,
                                fetch_max_bytes=settings.fetch_max_bytes, **security)
    client = producer(bootstrap, **output_tuning(settings), **security)
    await consumer.start()
    await client.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in partitions})
        todo = {}
        for tp in partitions:
            start = starts[tp].offset if starts.get(tp) is not None else ends[tp]
            consumer.seek(tp, start)
            if start < ends[tp]:
                todo[tp] = ends[tp]
        total = sum(ends[tp] - (starts[tp].offset if starts.get(tp) else ends[tp]) for tp in partitions)
        done = 0
        with tqdm(total=total, unit="listing", desc="replay", disable=not progress) as bar:
            while todo:
                batches = await consumer.getmany(*todo, timeout_ms=1000, max_records=settings.batch_max_records)
                records = [InputRecord(tp.topic, tp.partition, m.offset, m.key, m.value, m.timestamp)
                           for tp, messages in batches.items() for m in messages if m.offset < todo[tp]]
                if records:
                    await produce_all(client, scanner.process(records).outputs)
                    done += len(records)
                    bar.update(len(records))
                for tp in list(todo):
                    if await consumer.position(tp) >= todo[tp]:
                        del todo[tp]
        return done
    finally:
        await client.stop()
        await consumer.stop()



async def group_lag_exposition(bootstrap: str, settings: Settings, security: dict[str, object] | None = None) -> str:
    """Every watched group's lag from its committed offsets, in the Prometheus text format: what a
    worker exports, read once (for a cron job's textfile collector, or a look during an outage)."""
    registry = CollectorRegistry()
    lag, _seconds = group_lag_gauges(registry)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **(security or {}))
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, **(security or {}))
    await admin.start()
    await reader.start()
    try:
        for row in await read_group_lags(admin, reader, watched_groups(settings)):
            lag.labels(group=row.group, topic=row.topic, partition=str(row.partition)).set(row.lag)
    finally:
        await reader.stop()
        await admin.close()
    return generate_latest(registry).decode()
