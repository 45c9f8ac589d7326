"""Group lag from committed offsets, read from the real broker: every partition, every group,
whoever holds the partitions, and from a process that consumes none of them."""

from __future__ import annotations

import asyncio
import uuid

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from agents.kafka.clients import partition_ids
from agents.kafka.group_lag import read_group_lags
from agents.testing import produce
from agents.worker.background import BackgroundErrors
from agents.worker.lag import GroupLagService
from agents.worker.metrics import Metrics
from pipeline import topics
from pipeline.settings import Settings
from pipeline.testing import listing


def test_lag_counts_every_partition_from_its_committed_offset(topics_created: str, run_id: str):
    bootstrap = topics_created
    group = f"lag-{uuid.uuid4().hex[:6]}"

    async def run() -> tuple[list, dict]:
        raw = topics.LISTINGS_RAW.name
        partitions = [TopicPartition(raw, p) for p in await partition_ids(bootstrap, raw)]
        reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await reader.start()
        await admin.start()
        try:
            ends_before = await reader.end_offsets(partitions)
            # the group commits at today's ends on half the partitions, then 30 more listings arrive
            committer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
            await committer.start()
            committer.assign(partitions)
            await committer.commit({tp: ends_before[tp] for tp in partitions[::2]})
            await committer.stop()
            await produce(bootstrap, raw, [(f"{run_id}-{n}".encode(), orjson.dumps(listing(listing_id=f"{run_id}-{n}")))
                                           for n in range(30)])
            rows = await read_group_lags(admin, reader, {group: (raw,)})
            ends = await reader.end_offsets(partitions)
            starts = await reader.beginning_offsets(partitions)
            expected = {tp.partition: ends[tp] - (ends_before[tp] if i % 2 == 0 else starts[tp])
                        for i, tp in enumerate(partitions)}
            return rows, expected
        finally:
            await reader.stop()
            await admin.close()

    rows, expected = asyncio.run(run())
    assert {r.partition: r.lag for r in rows} == expected  # every partition, the uncommitted ones from the start
    assert {r.group for r in rows} == {group}


def test_a_worker_that_consumes_nothing_exports_the_whole_scan_groups_lag(topics_created: str, run_id: str):
    bootstrap = topics_created
    group = f"nobody-scans-{uuid.uuid4().hex[:6]}"  # a scan group with no member alive
    settings = Settings.load(env={}, scan_group_id=group, lag_interval_s=0.2)
    metrics = Metrics()

    async def run() -> float:
        await produce(bootstrap, topics.LISTINGS_RAW.name,
                      [(f"{run_id}-{n}".encode(), orjson.dumps(listing(listing_id=f"{run_id}-{n}"))) for n in range(25)])
        service = GroupLagService(settings, bootstrap, {}, metrics, BackgroundErrors(metrics.background_errors))
        await service.start()
        try:
            deadline = asyncio.get_running_loop().time() + 30
            while asyncio.get_running_loop().time() < deadline:
                samples = [s for m in metrics.registry.collect() if m.name == "counterscan_consumergroup_lag"
                           for s in m.samples if s.labels.get("group") == group]
                if len(samples) == topics.LISTINGS_RAW.partitions:
                    return sum(s.value for s in samples)
                await asyncio.sleep(0.2)
            raise AssertionError("no lag exported for every partition")
        finally:
            await service.stop()

    exported = asyncio.run(run())

    async def total() -> int:
        reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
        await reader.start()
        try:
            tps = [TopicPartition(topics.LISTINGS_RAW.name, p) for p in range(topics.LISTINGS_RAW.partitions)]
            ends, starts = await reader.end_offsets(tps), await reader.beginning_offsets(tps)
            return sum(ends[tp] - starts[tp] for tp in tps)
        finally:
            await reader.stop()

    assert exported == asyncio.run(total())  # the group never committed: all of listings.raw is its lag
