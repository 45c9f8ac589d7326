"""End-to-end latency at a fixed offered rate: produced listing to readable decision.

Offers listings to ``listings.raw`` at a steady rate (default 1200/s, ten times
the average of ten million a day) for a fixed time, with running workers, and
reads ``listings.decisions`` as it goes. A listing's latency is the time from
the moment the benchmark hands it to the producer to the moment its decision
arrives in the benchmark's consumer, both on this machine's monotonic clock.

    python -m benchmarks.latency --json reports/latency.json
    python -m benchmarks.latency --workers 2 --rounds 2 --variants default fetch_min_bytes=65536,fetch_max_wait_ms=50

With ``--variants``, each variant's workers are started fresh on the same broker and offered
the same listings, in turn, so their latencies and CPU per listing (workers and broker, over
the offering) compare within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import orjson
from aiokafka import AIOKafkaConsumer

from agents.cpu import CpuUse
from agents.kafka.clients import producer, wait_for_group
from agents.processes import first_exit, spawned, worker_command
from agents.testing import start_group_at_end
from benchmarks.common import (
    benchmark_parser,
    cluster,
    own_broker,
    prepare_topics,
    reset_topics,
    worker_env,
    write_report,
)
from pipeline import topics
from pipeline.settings import Settings
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


def variant(text: str) -> dict[str, str]:
    """``name=value,name=value`` (settings by their field names), or ``default`` for none."""
    if text == "default":
        return {}
    pairs = [item.partition("=") for item in text.split(",")]
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = [name for name, _, _ in pairs if name not in known]
    if unknown or any(not value for _, _, value in pairs):
        raise argparse.ArgumentTypeError(f"expected name=value,... of worker settings, not {text!r}")
    return {name: value for name, _, value in pairs}


def measure(bootstrap: str, broker_pid: int | None, settings: dict[str, str], args: argparse.Namespace,
            scratch: Path) -> dict[str, object]:
    """Workers started with ``settings``, listings offered to them, latencies and CPU per listing.
    On the broker the benchmark started, each run starts from empty seller state: one that found the
    links of the run before it already published would do less work."""
    if own_broker(broker_pid):
        reset_topics(bootstrap, topics.SCAN_STATE)
    env = worker_env(bootstrap, "lat", **settings)
    group = env["COUNTERSCAN_SCAN_GROUP_ID"]
    asyncio.run(start_group_at_end(bootstrap, group))  # not the listings offered to the runs before
    with spawned([worker_command() for _ in range(args.workers)], env, scratch) as procs:
        asyncio.run(wait_for_group(bootstrap, group, args.workers, exited=lambda: first_exit(procs)))
        cpu = CpuUse({"workers": [p.pid for p in procs], "broker": [broker_pid] if broker_pid else []})
        cpu.open()
        counts, latencies, elapsed = asyncio.run(offer_and_watch(bootstrap, args.rate, args.seconds, args.seed))
        cpu.close()
    values = np.asarray(latencies)
    return {
        "settings": settings,
        "achieved_per_s": round(counts["decided"] / elapsed, 1),
        "offered": counts["offered"],
        "decided": counts["decided"],
        "p50_s": round(float(np.percentile(values, 50)), 4),
        "p95_s": round(float(np.percentile(values, 95)), 4),
        "p99_s": round(float(np.percentile(values, 99)), 4),
        "max_s": round(float(values.max()), 4),
        "cpu_us_per_listing": cpu.per_listing_us(counts["decided"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=11)
    parser.add_argument("--rate", type=float, default=1200.0, help="listings offered per second (default 1200)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to offer them (default 60)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--variants", type=variant, nargs="+", default=[{}], metavar="SETTINGS",
                        help="worker settings to compare in this run, each `default` or name=value,...; "
                             "every variant gets fresh workers and the same offering (default: default)")
    parser.add_argument("--rounds", type=int, default=1, help="times every variant is measured, in turn (default 1)")
    args = parser.parse_args(argv)

    runs: list[dict[str, object]] = []
    with cluster() as (bootstrap, broker, broker_pid), tempfile.TemporaryDirectory() as scratch:
        prepare_topics(bootstrap)
        for round_ in range(args.rounds):
            for n, settings in enumerate(args.variants):
                print(f"round {round_ + 1}, variant {n + 1} ({settings or 'default'}): offering {args.rate:.0f} "
                      f"listings/s for {args.seconds:.0f} s ...", file=sys.stderr)
                (Path(scratch) / f"{round_}-{n}").mkdir()
                runs.append(measure(bootstrap, broker_pid, settings, args, Path(scratch) / f"{round_}-{n}"))

    first = runs[0]
    report = {"offered_per_s": args.rate, "worker_processes": args.workers, "seconds": args.seconds,
              "broker": broker, "seller_state_reset": broker_pid is not None, **{k: v for k, v in first.items() if k != "settings"}, "runs": runs}
    rows: list[tuple[str, object]] = [("broker", broker), ("offered (listings/s)", args.rate)]
    for run in runs:
        cpu = run["cpu_us_per_listing"]
        rows.append((f"{run['settings'] or 'default'}",
                     f"{run['decided']}/{run['offered']} decided, p50 {run['p50_s']} p99 {run['p99_s']} max "
                     f"{run['max_s']} s, CPU per listing {cpu}"))
    write_report(report, args.json, rows)
    return 0 if all(run["decided"] == run["offered"] for run in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
