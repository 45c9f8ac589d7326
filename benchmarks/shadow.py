"""What a shadow model costs: a scan worker's CPU per listing with and without one, in one run.

One worker scans rounds of generated listings; before each round the
benchmark publishes a shadow model on ``models.scoring`` (or a tombstone
removing it) and waits until the worker's metrics say it is in force.
After a warm-up round that is not counted, rounds alternate (none, shadow,
none, shadow, ...) so a drift of the shared
machine touches both modes alike; the worker's CPU over each round, divided
by the round's listings, is compared as a ratio. The target: a shadow costs
at most 15 % more CPU per listing.

    python -m benchmarks.shadow --json reports/shadow.json
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition

from agents.commands.publish import publish_listings_sync
from agents.cpu import CpuUse
from agents.kafka.clients import partition_ids, wait_for_group
from agents.processes import first_exit, free_port, spawned, worker_command
from agents.testing import produce
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
from pipeline.models import ModelStatus, encode_model_record, model_record
from pipeline.scoring.model import MODEL_FILE
from pipeline.synthetic.generator import ListingGenerator

TARGET_OVERHEAD = 0.15
SHADOW_INFO = re.compile(r'^counterscan_models_info\{[^}]*shadow="(?P<shadow>[^"]*)"[^}]*\} 1\.0$', re.M)


def shadow_in_force(metrics_port: int) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as response:
            found = SHADOW_INFO.search(response.read().decode())
    except OSError:
        return None
    return found["shadow"] if found else None


async def output_count(bootstrap: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        partitions = [TopicPartition(t, p) for t in (topics.DECISIONS.name, topics.DEADLETTER.name)
                      for p in await partition_ids(bootstrap, t)]
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await consumer.stop()


def run_round(bootstrap: str, pid: int, listings: list, timeout_s: float) -> float:
    """CPU microseconds the worker spent per listing on this round."""
    base = asyncio.run(output_count(bootstrap))
    cpu = CpuUse({"worker": [pid]})
    cpu.open()
    publish_listings_sync(bootstrap, listings, total=len(listings), topic=topics.LISTINGS_RAW.name, progress=False)
    deadline = time.monotonic() + timeout_s
    while asyncio.run(output_count(bootstrap)) - base < len(listings):
        if time.monotonic() > deadline:
            raise TimeoutError("the worker did not decide every listing of the round in time")
        time.sleep(0.1)
    cpu.close()
    return cpu.per_listing_us(len(listings))["worker"]


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=91)
    parser.add_argument("--listings", type=int, default=60_000, help="listings per round (default 60000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each mode, alternating (default 3)")
    args = parser.parse_args(argv)
    document = json.loads(MODEL_FILE.read_text())
    shadow_id = f"bench-shadow-{uuid.uuid4().hex[:6]}"
    shadow = model_record({**document, "version": shadow_id, "intercept": document["intercept"] + 0.5},
                          ModelStatus.SHADOW)
    modes = ["warm-up"] + ["none", "shadow"] * args.rounds  # the first round warms caches and is not counted
    batches = [ListingGenerator(args.seed + i, id_prefix=f"sh{i}-{uuid.uuid4().hex[:4]}-").take(args.listings)
               for i in range(len(modes))]
    with cluster() as kafka, tempfile.TemporaryDirectory() as logs:
        bootstrap = kafka.bootstrap
        prepare_topics(bootstrap)
        if own_broker(kafka.pid):
            reset_topics(bootstrap, topics.SCAN_STATE)
        port = free_port()
        env = worker_env(bootstrap, "shadow")
        with spawned([worker_command(metrics_port=port)], env, Path(logs)) as procs:
            group = env["COUNTERSCAN_SCAN_GROUP_ID"]
            asyncio.run(wait_for_group(bootstrap, group, 1, timeout_s=120, exited=lambda: first_exit(procs)))
            rounds = []
            try:
                for mode, listings in zip(modes, batches):
                    record = (encode_model_record(shadow) if mode == "shadow" else (shadow_id.encode(), None))
                    asyncio.run(produce(bootstrap, topics.MODELS.name, [record]))
                    want = shadow_id if mode == "shadow" else ""
                    deadline = time.monotonic() + 60
                    while shadow_in_force(port) != want:
                        if time.monotonic() > deadline or first_exit(procs):
                            raise RuntimeError(f"the worker did not take the {mode} state: {first_exit(procs)}")
                        time.sleep(0.2)
                    rounds.append({"mode": mode, "cpu_us_per_listing": run_round(bootstrap, procs[0].pid, listings, 300)})
                    print(f"round {len(rounds)}: {mode:<6} {rounds[-1]['cpu_us_per_listing']} us/listing", flush=True)
            finally:
                asyncio.run(produce(bootstrap, topics.MODELS.name, [(shadow_id.encode(), None)]))
    without = [r["cpu_us_per_listing"] for r in rounds if r["mode"] == "none"]
    with_shadow = [r["cpu_us_per_listing"] for r in rounds if r["mode"] == "shadow"]
    mean_without, mean_with = sum(without) / len(without), sum(with_shadow) / len(with_shadow)
    overhead = mean_with / mean_without - 1
    report = {"listings_per_round": args.listings, "rounds": rounds,
              "cpu_us_per_listing_without_shadow": round(mean_without, 1),
              "cpu_us_per_listing_with_shadow": round(mean_with, 1), "shadow_overhead": round(overhead, 4),
              "target_overhead": TARGET_OVERHEAD, "within_target": overhead <= TARGET_OVERHEAD}
    write_report(report, args.json, [("listings per round", args.listings),
                                     ("worker CPU per listing, no shadow (us)", report["cpu_us_per_listing_without_shadow"]),
                                     ("worker CPU per listing, shadow (us)", report["cpu_us_per_listing_with_shadow"]),
                                     ("shadow overhead", f"{overhead:+.1%} (target <= {TARGET_OVERHEAD:.0%})")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
