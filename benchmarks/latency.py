"""End-to-end latency at a fixed offered rate: produced listing to readable decision.

Offers listings to ``listings.raw`` at a steady rate (default 1200/s, ten times
the average of ten million a day) for a fixed time, with running workers, and
reads ``listings.decisions`` as it goes. A listing's latency is the time from
the moment the benchmark hands it to the producer to the moment its decision
arrives in the benchmark's consumer, both on this machine's monotonic clock.

    python -m benchmarks.latency --json reports/latency.json
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import orjson
from aiokafka import AIOKafkaConsumer

from agents.kafka.clients import producer, wait_for_group
from agents.processes import first_exit, spawned, worker_command
from benchmarks.common import benchmark_parser, cluster, prepare_topics, worker_env, write_report
from pipeline import topics
from pipeline.synthetic.generator import ListingGenerator, Mix

TICK_S = 0.005


async def offer_and_watch(bootstrap: str, rate: float, duration_s: float, seed: int) -> tuple[dict[str, float], list[float], float]:
    count = int(rate * duration_s)
    items = ListingGenerator(seed, id_prefix=f"lat{uuid.uuid4().hex[:6]}-", mix=Mix(malformed=0.0)).take(count)
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    consumer = AIOKafkaConsumer(topics.DECISIONS.name, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="latest", fetch_max_wait_ms=5)
    await consumer.start()
    await consumer.seek_to_end()
    for tp in consumer.assignment():
        await consumer.position(tp)  # pin "latest" before anything is offered
    client = producer(bootstrap, linger_ms=1)
    await client.start()

    async def watch() -> None:
        while len(latencies) < count:
            batches = await consumer.getmany(timeout_ms=100)
            arrived = time.monotonic()
            for messages in batches.values():
                for message in messages:
                    listing_id = orjson.loads(message.value)["listing_id"]
                    if listing_id in sent_at:
                        latencies.append(arrived - sent_at.pop(listing_id))

    watcher = asyncio.create_task(watch())
    started = time.monotonic()
    for index, item in enumerate(items):
        due = started + index / rate
        delay = due - time.monotonic()
        if delay > TICK_S:
            await asyncio.sleep(delay)
        sent_at[item.listing_id] = time.monotonic()
        await client.send(topics.LISTINGS_RAW.name, item.value, key=item.key)
    offered_s = time.monotonic() - started
    try:
        await asyncio.wait_for(watcher, timeout=60)
    except asyncio.TimeoutError:
        pass
    finished = time.monotonic()
    await client.stop()
    await consumer.stop()
    return {"offered": count, "decided": len(latencies)}, latencies, max(offered_s, finished - started)


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=11)
    parser.add_argument("--rate", type=float, default=1200.0, help="listings offered per second (default 1200)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to offer them (default 60)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    args = parser.parse_args(argv)

    with cluster() as (bootstrap, broker, _), tempfile.TemporaryDirectory() as scratch:
        prepare_topics(bootstrap)
        env = worker_env(bootstrap, "lat")
        group = env["COUNTERSCAN_SCAN_GROUP_ID"]
        with spawned([worker_command() for _ in range(args.workers)], env, Path(scratch)) as procs:
            asyncio.run(wait_for_group(bootstrap, group, args.workers, exited=lambda: first_exit(procs)))
            print(f"offering {args.rate:.0f} listings/s for {args.seconds:.0f} s ...", file=sys.stderr)
            counts, latencies, elapsed = asyncio.run(offer_and_watch(bootstrap, args.rate, args.seconds, args.seed))

    values = np.asarray(latencies)
    report = {
        "offered_per_s": args.rate,
        "achieved_per_s": round(counts["decided"] / elapsed, 1),
        "offered": counts["offered"],
        "decided": counts["decided"],
        "p50_s": round(float(np.percentile(values, 50)), 4),
        "p95_s": round(float(np.percentile(values, 95)), 4),
        "p99_s": round(float(np.percentile(values, 99)), 4),
        "max_s": round(float(values.max()), 4),
        "worker_processes": args.workers,
        "seconds": args.seconds,
        "broker": broker,
    }
    write_report(report, args.json, [
        ("broker", broker), ("offered (listings/s)", args.rate), ("achieved (listings/s)", report["achieved_per_s"]),
        ("decided / offered", f"{counts['decided']} / {counts['offered']}"),
        ("p50 (s)", report["p50_s"]), ("p95 (s)", report["p95_s"]), ("p99 (s)", report["p99_s"]), ("max (s)", report["max_s"]),
    ])
    return 0 if counts["decided"] == counts["offered"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
