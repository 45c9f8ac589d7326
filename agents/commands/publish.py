"""Publish synthetic listings to ``listings.raw``, optionally at a fixed rate."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import IO

from tqdm import tqdm

from agents.kafka.clients import producer as make_producer
from pipeline import topics
from pipeline.synthetic.generator import GeneratedListing, ListingGenerator, label_line

TICK_S = 0.01


async def publish(
    bootstrap_servers: str, generator: ListingGenerator, count: int, *, rate: float | None = None,
    labels: Path | None = None, progress: bool = True, topic: str = topics.LISTINGS_RAW.name,
    security: dict[str, object] | None = None,
) -> list[GeneratedListing]:
    """Send ``count`` listings and wait until the broker has acknowledged every one."""
    sent: list[GeneratedListing] = []
    out: IO[bytes] | None = labels.open("wb") if labels else None
    producer = make_producer(bootstrap_servers, linger_ms=20, **(security or {}))
    await producer.start()
    bar = tqdm(total=count, unit="listing", desc="generate", disable=not progress, mininterval=0.5)
    try:
        pending = []
        started = time.monotonic()
        for item in (generator.next() for _ in range(count)):
            pending.append(await producer.send(topic, item.value, key=item.key))
            sent.append(item)
            if out is not None:
                out.write(label_line(item))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                bar.update(len(pending))
                pending.clear()
            if rate:
                ahead = len(sent) / rate - (time.monotonic() - started)
                if ahead > TICK_S:
                    await asyncio.sleep(ahead)
        await asyncio.gather(*pending)
        bar.update(len(pending))
    finally:
        bar.close()
        await producer.stop()
        if out is not None:
            out.close()
    return sent
