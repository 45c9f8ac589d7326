"""Memory of the seller reputation table's RocksDB stores under a day of outcomes, no Kafka.

Faust opens one RocksDB database per table partition, each with its own write
buffers and block cache, and one feedback worker may own all twelve partitions
of ``seller_reputation``. This opens twelve databases with the options the
worker gives the table, and with the general options the other tables use, each
in a fresh subprocess, and applies what outcomes do to them: read a seller's
record by key, write it back, for ``--updates`` updates spread over
``--sellers`` sellers. It reports the resident set size after opening and after
every fifth of the updates, so a level reached shows apart from a climb.

    python -m benchmarks.reputation_store --json reports/reputation_store.json
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import benchmark_parser, write_report

PARTITIONS = 12
RECORD_BYTES = 600  # a seller's reputation record with a few strikes, as JSON


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise KeyError("VmRSS")


def measure(options_name: str, updates: int, sellers: int, seed: int) -> dict[str, Any]:
    """In this process: open the stores with the named options and apply the updates."""
    from faust.stores.rocksdb import RocksDBOptions

    from agents.worker import outcomes

    options = RocksDBOptions(**getattr(outcomes, options_name))
    rng = random.Random(seed)
    value = rng.randbytes(RECORD_BYTES)
    with tempfile.TemporaryDirectory(prefix="counterscan-reputation-store-") as scratch:
        stores = [options.open(Path(scratch) / f"partition-{p}") for p in range(PARTITIONS)]
        curve = [[0, round(_rss_mb(), 1)]]
        for done in range(1, updates + 1):
            seller = rng.randrange(sellers)
            key = b"seller-%d" % seller
            store = stores[seller % PARTITIONS]
            store.get(key)
            store[key] = value
            if done % max(1, updates // 5) == 0:
                curve.append([done, round(_rss_mb(), 1)])
        for store in stores:
            store.close()
    return {"options": getattr(outcomes, options_name), "rss_curve_mb": curve,
            "rss_growth_mb": round(curve[-1][1] - curve[0][1], 1)}


def run(updates: int, sellers: int, seed: int) -> dict[str, Any]:
    report: dict[str, Any] = {"partitions": PARTITIONS, "updates": updates, "sellers": sellers}
    for name in ("REPUTATION_ROCKSDB_OPTIONS", "ROCKSDB_OPTIONS"):
        done = subprocess.run([sys.executable, "-m", "benchmarks.reputation_store", "--measure", name,
                               "--updates", str(updates), "--sellers", str(sellers), "--seed", str(seed)],
                              capture_output=True, text=True, check=True, timeout=1800)
        report[name.lower()] = json.loads(done.stdout)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=5)
    parser.add_argument("--updates", type=int, default=1_500_000, help="outcome updates (default 1500000)")
    parser.add_argument("--sellers", type=int, default=150_000, help="distinct sellers (default 150000)")
    parser.add_argument("--measure", default=None, help=argparse.SUPPRESS)  # the subprocess's part
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.updates, args.sellers, args.seed)))
        return 0
    report = run(args.updates, args.sellers, args.seed)
    rows = [(name, f"growth {r['rss_growth_mb']} MiB, curve {r['rss_curve_mb']}")
            for name, r in report.items() if isinstance(r, dict)]
    write_report(report, args.json, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
