"""How long a review console takes to be ready, and what it holds, on a broker with a day's worth of traffic.

Publishes ``--listings`` generated listings to ``listings.raw`` and, scored
offline by the scanner (as a worker would have), their decisions and review
requests; then starts a console service in this process and measures the
seconds until every reader has caught up (``/healthz`` answers 200 from then
on), the open items, and the process's resident memory before and after.

    python -m benchmarks.console_startup --listings 200000 --json reports/console_startup.json
"""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import datetime, timezone
from pathlib import Path

from agents.console.service import ConsoleService
from agents.kafka.batching import produce_all
from agents.kafka.clients import producer
from benchmarks.common import benchmark_parser, cluster, prepare_topics, write_report
from pipeline import topics
from pipeline.batches import chunked
from pipeline.scanner import Scanner
from pipeline.settings import Settings
from pipeline.synthetic.generator import ListingGenerator
from pipeline.types import InputRecord, OutputRecord

CHUNK = 5000


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def publish(bootstrap: str, count: int, seed: int) -> dict[str, int]:
    scanner = Scanner(Settings.load().scoring)
    client = producer(bootstrap, linger_ms=20)
    await client.start()
    counts = {"listings": 0, "decisions": 0, "review_requests": 0}
    now = datetime.now(timezone.utc)
    try:
        for chunk in chunked(itertools.islice(ListingGenerator(seed), count), CHUNK):
            raw = [OutputRecord(topics.LISTINGS_RAW.name, g.key, g.value) for g in chunk]
            result = scanner.process([InputRecord(topics.LISTINGS_RAW.name, 0, n, g.key, g.value)
                                      for n, g in enumerate(chunk)], now)
            kept = [o for o in result.outputs if o.topic in (topics.DECISIONS.name, topics.REVIEW.name)]
            await produce_all(client, [*raw, *kept])
            counts["listings"] += len(raw)
            counts["decisions"] += sum(o.topic == topics.DECISIONS.name for o in kept)
            counts["review_requests"] += sum(o.topic == topics.REVIEW.name for o in kept)
    finally:
        await client.stop()
    return counts


async def start_console(bootstrap: str) -> dict[str, float | int]:
    before = rss_mb()
    service = ConsoleService(bootstrap, {}, Settings.load())
    started = time.perf_counter()
    await service.start()
    try:
        while not service.ready:
            await asyncio.sleep(0.05)
        ready_s = time.perf_counter() - started
        state = service.state
        return {"ready_s": round(ready_s, 2), "open_items": len(state.queue.open_items()),
                "listings_kept": len(state.listings.pinned) + len(state.listings.recent),
                "rss_before_mb": round(before, 1), "rss_ready_mb": round(rss_mb(), 1)}
    finally:
        await service.stop()


def main() -> None:
    parser = benchmark_parser(__doc__, seed=11)
    parser.add_argument("--listings", type=int, default=200_000, help="listings on the broker before the start")
    args = parser.parse_args()
    with cluster() as (bootstrap, broker, _):
        prepare_topics(bootstrap)
        counts = asyncio.run(publish(bootstrap, args.listings, args.seed))
        measured = asyncio.run(start_console(bootstrap))
    report = {"broker": broker, **counts, **measured,
              "records_read_per_s": round((counts["listings"] + counts["decisions"]) / measured["ready_s"])}
    write_report(report, args.json, [(key.replace("_", " "), value) for key, value in report.items()])


if __name__ == "__main__":
    main()
