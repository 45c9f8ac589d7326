"""A lag reading that raises does not stop the scan: the round is counted and the listings flow.

The scan service runs in this process against the real broker; the one thing
made to fail is the consumer's ``position``, which raises what aiokafka raises
when a rebalance has just revoked the partition.
"""

from __future__ import annotations

import asyncio
import uuid

import orjson
from aiokafka import TopicPartition
from aiokafka.errors import IllegalStateError

from agents.testing import produce, read_until, start_group_at_end
from agents.worker.metrics import Metrics
from agents.worker.scan import ListingScanService
from pipeline import topics
from pipeline.settings import Settings
from pipeline.testing import listing


def lag_errors(metrics: Metrics) -> float:
    return metrics.background_errors.labels(task="lag")._value.get()


def test_the_worker_keeps_scanning_while_every_lag_reading_raises(topics_created: str, run_id: str):
    bootstrap = topics_created
    group = f"lag-raises-{uuid.uuid4().hex[:6]}"
    settings = Settings.load(env={}, scan_group_id=group, lag_interval_s=0.1)
    metrics = Metrics()
    sent = [listing(listing_id=f"{run_id}-{n}", title=f"Gucci Marmont bag replica {n}") for n in range(20)]

    async def revoked(_tp: TopicPartition) -> int:
        raise IllegalStateError("Partition listings.raw-0 is not assigned")

    async def run() -> tuple[list, bool]:
        await start_group_at_end(bootstrap, group)
        service = ListingScanService(settings, bootstrap, metrics)
        await service.start()
        try:
            service.consumer.position = revoked  # type: ignore[method-assign]
            while lag_errors(metrics) < 3:  # the fault has struck before and while listings arrive
                await asyncio.sleep(0.1)
            await produce(bootstrap, topics.LISTINGS_RAW.name,
                          [(item["listing_id"].encode(), orjson.dumps(item)) for item in sent])
            wanted = {item["listing_id"] for item in sent}
            records = await asyncio.to_thread(lambda: asyncio.run(read_until(
                bootstrap, [topics.DECISIONS.name],
                lambda seen: wanted <= {r["listing_id"] for _, _, r in seen}, 60)))
            return records, service.crash_reason is None and not service.should_stop
        finally:
            await service.stop()

    records, running = asyncio.run(run())
    decided = {r["listing_id"] for _, _, r in records if r["listing_id"].startswith(run_id)}
    assert decided == {item["listing_id"] for item in sent}
    assert running, "the scan service crashed"
    assert lag_errors(metrics) >= 3
