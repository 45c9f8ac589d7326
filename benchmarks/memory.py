"""Peak memory of one worker holding production-sized state.

Loads 1 million distinct sellers into ``sellers.reputation``, a brand profile
carrying 100000 known-counterfeit image hashes into ``brands.profiles``, and
1 million listings into ``listings.raw``; then runs a scan worker (which
follows all of that state) until every listing has its decision or
dead-letter record, and reads its peak resident set size (VmHWM) from /proc.
A feedback worker, which owns the seller reputation table, runs beside it and
its peak is reported too.

    python -m benchmarks.memory --json reports/memory.json
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson

from agents.kafka.batching import produce_all
from agents.kafka.clients import producer
from agents.processes import first_exit, spawned, worker_command
from benchmarks.common import OutputMeter, benchmark_parser, cluster, preload, prepare_topics, worker_env, write_report
from pipeline import topics
from pipeline.brands.catalog import BrandCatalog
from pipeline.brands.profiles import profile_record
from pipeline.types import OutputRecord


def load_state(bootstrap: str, sellers: int, hashes: int, seed: int) -> None:
    async def run() -> None:
        client = producer(bootstrap, linger_ms=20)
        await client.start()
        try:
            for start in range(0, sellers, 50_000):
                records = (OutputRecord(topics.SELLER_REPUTATION.name, f"seller-{i:08d}".encode(), orjson.dumps({
                    "seller_id": f"seller-{i:08d}", "confirmed": i % 4, "rejected": i % 3, "counter_noticed": 0,
                    "reinstated": 0, "last_outcome_at": "2026-11-20T10:00:00Z", "recent_outcome_ids": [f"o{i}"],
                })) for i in range(start, min(start + 50_000, sellers)))
                await produce_all(client, records)
                print(f"\rreputation: {min(start + 50_000, sellers)}/{sellers} sellers", end="", file=sys.stderr)
            print(file=sys.stderr)
            rng = random.Random(seed)
            gucci = BrandCatalog.load().profiles["gucci"]
            profile = {
                "brand_id": "gucci", "display_name": "Gucci", "aliases": list(gucci.aliases),
                "keywords": list(gucci.keywords),
                "reference_prices_usd": {k: list(v) for k, v in gucci.reference_prices_usd.items()},
                "counterfeit_phashes": [f"{h:016x}" for h in gucci.counterfeit_phashes]
                + [f"{rng.getrandbits(64):016x}" for _ in range(hashes - len(gucci.counterfeit_phashes))],
            }
            key, value = profile_record(profile)
            await produce_all(client, [OutputRecord(topics.BRAND_PROFILES.name, key, value)])
        finally:
            await client.stop()
    asyncio.run(run())


def peak_rss_mb(pid: int) -> tuple[float, float]:
    """(VmHWM, VmRSS) of a process in MiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=21)
    parser.add_argument("--listings", type=int, default=1_000_000, help="listings processed (default 1000000)")
    parser.add_argument("--sellers", type=int, default=1_000_000, help="sellers in reputation state (default 1000000)")
    parser.add_argument("--hashes", type=int, default=100_000, help="known counterfeit image hashes (default 100000)")
    args = parser.parse_args(argv)

    with cluster() as (bootstrap, broker, _), tempfile.TemporaryDirectory() as scratch:
        prepare_topics(bootstrap)
        load_state(bootstrap, args.sellers, args.hashes, args.seed)
        preload(bootstrap, topics.LISTINGS_RAW.name, args.listings, args.seed, f"mem{uuid.uuid4().hex[:6]}-")
        env = worker_env(bootstrap, "mem")
        scan = worker_command() + ["--roles", "scan"]
        feedback = worker_command() + ["--roles", "feedback"]
        with spawned([scan, feedback], env, Path(scratch)) as (worker, feedback_worker):
            started = time.monotonic()
            result = OutputMeter(bootstrap, [topics.DECISIONS.name, topics.DEADLETTER.name]).measure(
                args.listings, 3600, exited=lambda: first_exit([worker]))
            peak, current = peak_rss_mb(worker.pid)
            feedback_peak, _ = peak_rss_mb(feedback_worker.pid)
            elapsed = time.monotonic() - started

    report = {
        "peak_rss_mb": round(peak, 1),
        "feedback_worker_peak_rss_mb": round(feedback_peak, 1),
        "rss_after_mb": round(current, 1),
        "listings": args.listings,
        "sellers_in_reputation": args.sellers,
        "known_image_hashes": args.hashes,
        "listings_per_s": result["per_s"],
        "elapsed_s": round(elapsed, 1),
        "broker": broker,
    }
    write_report(report, args.json, [
        ("broker", broker), ("listings", args.listings), ("sellers in reputation", args.sellers),
        ("known image hashes", args.hashes), ("scan worker peak RSS (MiB)", report["peak_rss_mb"]),
        ("feedback worker peak RSS (MiB)", report["feedback_worker_peak_rss_mb"]),
        ("RSS at the end (MiB)", report["rss_after_mb"]), ("listings/s while measured", result["per_s"]),
    ])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
