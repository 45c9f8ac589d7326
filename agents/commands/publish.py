"""Publish listings to ``listings.raw``: the one way the CLI, the demo, the tests and the
benchmarks put listings on the broker.

Records go out in batches through the hot path's own producer helper and the
call returns only once the broker has acknowledged every one, so a caller that
then counts outputs knows exactly what went in. With a rate, listings are
spread evenly over time (an offered load, for latency and fault runs) and
acknowledgements are awaited in the background of the sending. Ground truth
goes to a file, or to a stream the caller opened (the CLI's stdout for ``-``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import IO

from tqdm import tqdm

from agents.kafka.batching import enqueue
from agents.kafka.clients import producer as make_producer
from pipeline import topics
from pipeline.batches import chunked
from pipeline.synthetic.generator import GeneratedListing, label_line
from pipeline.types import OutputRecord

__all__ = ["publish_listings", "publish_listings_sync"]

TICK_S = 0.01
BATCH = 5000


async def publish_listings(
    bootstrap_servers: str, listings: Iterable[GeneratedListing], *, total: int | None = None,
    rate: float | None = None, labels: Path | IO[bytes] | None = None, progress: bool = False,
    topic: str = topics.LISTINGS_RAW.name, security: dict[str, object] | None = None,
    wait_s: float | None = None,
) -> int:
    """Send ``listings`` (at ``rate`` per second if given; ground truth to ``labels`` if given)
    and return how many, once every one is acknowledged. ``total`` sizes the progress bar. With
    ``wait_s`` a write the cluster cannot take yet (too few in-sync replicas) is retried that long,
    as a feed that rides out an outage would, instead of aiokafka's 40 s."""
    batch = BATCH if not rate else max(1, min(BATCH, int(rate * TICK_S)))
    patience = {"request_timeout_ms": int(wait_s * 1000)} if wait_s else {}
    client = make_producer(bootstrap_servers, linger_ms=5 if rate else 20, **patience, **(security or {}))
    await client.start()
    sent = 0
    pending: list[asyncio.Future[object]] = []
    with ExitStack() as stack:
        truth = stack.enter_context(labels.open("wb")) if isinstance(labels, Path) else labels
        bar = stack.enter_context(tqdm(total=total, unit="listing", desc="publish", disable=not progress,
                                       mininterval=0.5))
        started = time.monotonic()
        try:
            for part in chunked(listings, batch):
                futures, count = await enqueue(client, (OutputRecord(topic, i.key, i.value) for i in part))
                pending.extend(futures)
                sent += count
                if truth is not None:
                    truth.write(b"".join(label_line(i) for i in part))
                if len(pending) >= BATCH:
                    await asyncio.gather(*pending)
                    bar.update(len(pending))
                    pending.clear()
                if rate:
                    ahead = sent / rate - (time.monotonic() - started)
                    if ahead > TICK_S:
                        await asyncio.sleep(ahead)
            await asyncio.gather(*pending)
            bar.update(len(pending))
        finally:
            await client.stop()
    return sent


def publish_listings_sync(bootstrap_servers: str, listings: Iterable[GeneratedListing], **options: object) -> int:
    """:func:`publish_listings` for callers outside an event loop (a benchmark's feeder thread)."""
    return asyncio.run(publish_listings(bootstrap_servers, listings, **options))  # type: ignore[arg-type]
