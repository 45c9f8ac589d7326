"""Helpers for tests and benchmarks that run the real thing: workers and topic readers."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from agents.kafka.clients import partition_ids, producer, reader
from agents.processes import spawned, worker_command
from pipeline import topics
from pipeline.settings import Settings


@contextlib.contextmanager
def running_worker(bootstrap: str, log_dir: Path, metrics_port: int | None = None, options: Sequence[str] = (),
                   **settings: str) -> Iterator[subprocess.Popen[bytes]]:
    """One `counterscan worker` process with these settings (and command-line ``options``, which
    win over them); always stopped on exit."""
    env = Settings.env(bootstrap_servers=bootstrap, **settings)
    with spawned([worker_command(*options, metrics_port=metrics_port)], env, log_dir) as (proc,):
        yield proc


async def produce(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes | None]],
                  security: dict[str, object] | None = None) -> None:
    client = producer(bootstrap, **(security or {}))
    await client.start()
    try:
        await asyncio.gather(*[await client.send(topic, value, key=key) for key, value in records])
    finally:
        await client.stop()


async def read_until(bootstrap: str, topics: list[str], done: Callable[[list[tuple[str, bytes | None, dict[str, Any]]]], bool],
                     timeout_s: float = 60.0, security: dict[str, object] | None = None,
                     ) -> list[tuple[str, bytes | None, dict[str, Any]]]:
    """Every record of the topics from the beginning, until ``done(records)`` or the timeout.
    Tombstones (no value) are left out: they say a key is gone, not what it holds."""
    consumer = reader(bootstrap, *topics, **(security or {}))
    await consumer.start()
    seen: list[tuple[str, bytes | None, dict[str, Any]]] = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline and not done(seen):
            batches = await consumer.getmany(timeout_ms=300)
            for tp, messages in batches.items():
                seen.extend((tp.topic, m.key, orjson.loads(m.value)) for m in messages if m.value is not None)
        return seen
    finally:
        await consumer.stop()


async def start_group_at_end(bootstrap: str, group: str, topic: str = topics.LISTINGS_RAW.name) -> None:
    """Commit the end of ``topic`` for a new group, so its worker reads nothing written before
    (the session's broker holds every earlier test's listings)."""
    partitions = [TopicPartition(topic, p) for p in await partition_ids(bootstrap, topic)]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.commit(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()
