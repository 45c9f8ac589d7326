"""SIGTERM drains, commits and exits 0; what was committed was decided; a successor finishes the rest."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import Iterator

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from agents.commands.operations import group_status
from agents.kafka.broker import LocalBroker
from agents.kafka.clients import create_topics
from agents.testing import produce, read_until, running_worker
from pipeline import topics
from pipeline.settings import Settings
from pipeline.synthetic.generator import ListingGenerator


async def keys_below(bootstrap: str, committed: dict[int, int]) -> set[bytes]:
    """Keys of the listings.raw records below each partition's committed offset."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        wanted = {TopicPartition(topics.LISTINGS_RAW.name, p): end for p, end in committed.items() if end > 0}
        consumer.assign(list(wanted))
        await consumer.seek_to_beginning(*wanted)
        keys: set[bytes] = set()
        while wanted:
            for tp, messages in (await consumer.getmany(*wanted, timeout_ms=1000)).items():
                keys.update(m.key for m in messages if m.offset < wanted[tp])
                if await consumer.position(tp) >= wanted[tp]:
                    del wanted[tp]
        return keys
    finally:
        await consumer.stop()


@pytest.fixture
def own_broker() -> Iterator[str]:
    """A broker of this test's own: no other worker may decide these listings."""
    broker = LocalBroker(Settings.load())
    handle = broker.start()
    try:
        asyncio.run(create_topics(handle.bootstrap_servers))
        yield handle.bootstrap_servers
    finally:
        broker.stop()


def test_sigterm_commits_only_what_was_decided_and_nothing_is_lost(own_broker: str, tmp_path):
    bootstrap = own_broker
    group, run = f"term-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex[:8]
    items = ListingGenerator(seed=41, id_prefix=f"{run}-").take(30_000)
    asyncio.run(produce(bootstrap, topics.LISTINGS_RAW.name, [(i.key, i.value) for i in items]))
    ids = {i.listing_id for i in items}

    def outcomes(records):
        return {(k or b"").decode() for t, k, _ in records} & ids

    first = tmp_path / "first"
    first.mkdir()
    with running_worker(bootstrap, first, scan_group_id=group, app_id=f"term-{run}") as worker:
        asyncio.run(read_until(bootstrap, [topics.DECISIONS.name], lambda rs: len(outcomes(rs)) >= 2000, 120))
        worker.send_signal(signal.SIGTERM)
        started = time.monotonic()
        code = worker.wait(45)
        stopped_in = time.monotonic() - started
    assert code == 0, (first / "process-0.log").read_text()[-3000:]
    assert stopped_in < 30

    rows, _members, _state = asyncio.run(group_status(bootstrap, group))
    below = asyncio.run(keys_below(bootstrap, {r.partition: r.committed or 0 for r in rows}))
    assert below, "nothing was committed before the stop"
    decided = asyncio.run(read_until(bootstrap, [topics.DECISIONS.name, topics.DEADLETTER.name],
                                     lambda rs: below <= {k for _, k, _ in rs}, 60))
    # every record below the committed offsets has its outcome: no commit ran ahead of the outputs
    assert below <= {k for _, k, _ in decided}

    second = tmp_path / "second"
    second.mkdir()
    with running_worker(bootstrap, second, scan_group_id=group, app_id=f"term-{run}"):
        finished = asyncio.run(read_until(bootstrap, [topics.DECISIONS.name, topics.DEADLETTER.name],
                                          lambda rs: outcomes(rs) == ids, 180))
    assert outcomes(finished) == ids  # nothing lost across the stop
