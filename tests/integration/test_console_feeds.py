"""The console's readers on the real broker: a windowed feed starts at the window, not at the topic's start."""

from __future__ import annotations

import asyncio
import time
import uuid

import orjson
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from agents.console.feeds import TopicFeed
from agents.kafka.clients import producer

DAY_MS = 86_400_000


async def _produce_stamped(bootstrap: str, topic: str, records: list[tuple[bytes, bytes, int]]) -> None:
    client = producer(bootstrap)
    await client.start()
    try:
        for key, value, stamp in records:  # in order: the old record first, as a topic would hold it
            await (await client.send(topic, value, key=key, timestamp_ms=stamp))
    finally:
        await client.stop()


async def _admin(bootstrap: str, create: str | None = None, delete: str | None = None) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if create:
            await admin.create_topics([NewTopic(create, num_partitions=1, replication_factor=1)])
        if delete:
            await admin.delete_topics([delete])
    finally:
        await admin.close()


def test_a_windowed_feed_reads_from_the_windows_start_and_a_whole_feed_from_the_beginning(topics_created: str):
    run = uuid.uuid4().hex[:10]
    # a topic of this test's own, as listings.decisions is laid out: records of other tests, stamped
    # now, would sit before an old-stamped one and move the window's first offset
    topic = f"console-feed-test-{run}"
    asyncio.run(_admin(topics_created, create=topic))
    try:
        check_windows(topics_created, topic, run)
    finally:
        asyncio.run(_admin(topics_created, delete=topic))


def check_windows(bootstrap: str, topic: str, run: str) -> None:
    now = int(time.time() * 1000)
    key = f"{run}-listing".encode()
    asyncio.run(_produce_stamped(bootstrap, topic, [
        (key, orjson.dumps({"run": run, "age": "old"}), now - 30 * DAY_MS),
        (key, orjson.dumps({"run": run, "age": "new"}), now - 1000),
    ]))

    async def read(since) -> list[str]:
        seen: list[str] = []

        def handle(message) -> None:
            value = orjson.loads(message.value)
            if value.get("run") == run:
                seen.append(value["age"])

        feed = TopicFeed(bootstrap, {}, {topic: handle}, "test", since_ms=since)
        await feed.start()
        try:
            await asyncio.wait_for(feed.caught_up.wait(), 60)
        finally:
            await feed.stop()
        return seen

    assert asyncio.run(read(lambda: now - DAY_MS)) == ["new"]
    assert asyncio.run(read(None)) == ["old", "new"]
    assert asyncio.run(read(lambda: now + DAY_MS)) == []  # nothing that recent: it starts at the end
