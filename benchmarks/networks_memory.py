"""Memory and speed of seller networks at production size, no Kafka.

Builds :class:`pipeline.sellers.networks.graph.SellerNetworks` for 1 million sellers holding
3 million contact hashes, as the links changelog would deliver them in
batches: most sellers alone with their own phone, e-mail and payment
account, one in ten in a network of 2 to 50 accounts sharing a fourth contact point,
and one in fifty with confirmed takedowns. Runs in a fresh subprocess so the
peak resident set size (VmHWM) is the state's and the interpreter's alone;
the interpreter with numpy loaded is measured too and subtracted (the peak
is read once the state is built, before the lookups). Then times
lookups the way the hot path makes them: batches of 2000 listings, a quarter
of them from sellers never seen.

    python -m benchmarks.networks_memory --json reports/networks_memory.json
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import benchmark_parser, write_report

BATCH = 2000
NETWORK_SHARE = 0.10
CONFIRMED_SHARE = 0.02


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def _sellers(count: int, seed: int):
    """(seller id, its contact hashes) in stream order; networks share one contact point."""
    rng = random.Random(seed)
    index, network, left = 0, 0, 0
    while index < count:
        if left == 0 and rng.random() < NETWORK_SHARE / 26 * 1.04:  # mean network size 26
            network, left = network + 1, rng.randint(2, 50)
        seller = f"seller-{index:08d}"
        own = [f"{index * 3 + k:040x}" for k in range(3)]
        if left:
            own.append(f"{network:016x}-shared-contact")
            left -= 1
        yield seller, own
        index += 1


def build(sellers: int, seed: int) -> dict[str, float]:
    from pipeline.sellers.networks.graph import SellerNetworks  # numpy loaded before the baseline, as a worker has it

    baseline = _status_mb("VmRSS")
    networks = SellerNetworks()
    rng = random.Random(seed + 1)
    started = time.perf_counter()
    ids: list[str] = []
    points: list[list[str]] = []
    confirmed = 0
    for seller, own in _sellers(sellers, seed):
        ids.append(seller)
        points.append(own)
        if len(ids) == BATCH:
            networks.link_batch(ids, points, seen_at="2026-11-27T10:00:00Z")
            for s in ids:
                if rng.random() < CONFIRMED_SHARE:
                    networks.record_confirmed(s, rng.randint(1, 6))
                    confirmed += 1
            ids, points = [], []
    if ids:
        networks.link_batch(ids, points)
    networks.merge_pending()
    build_s = time.perf_counter() - started

    peak = _status_mb("VmHWM")
    lookup_s, linked, batches = 0.0, 0, 50
    for _ in range(batches):
        rows = [rng.randrange(sellers * 4 // 3) for _ in range(BATCH)]  # a quarter never seen
        seller_ids = [f"seller-{r:08d}" for r in rows]
        contacts = [[f"{r * 3 + k:040x}" for k in range(3)] for r in rows]
        started = time.perf_counter()
        found = networks.lookup_batch(seller_ids, contacts)
        lookup_s += time.perf_counter() - started
        linked += int((found.takedowns > 0).sum())
    largest = max((networks.network_of(f"seller-{i:08d}").size for i in range(0, sellers, 997)), default=0)
    return {
        "sellers": networks.sellers, "contact_hashes": networks.points, "sellers_with_takedowns": confirmed,
        "state_bytes": networks.nbytes, "baseline_rss_mb": round(baseline, 1),
        "process_peak_rss_mb": round(peak, 1), "peak_rss_mb": round(peak - baseline, 1),
        "build_s": round(build_s, 2), "lookups_per_s": round(batches * BATCH / lookup_s, 1),
        "lookups_linked_to_takedowns": linked, "largest_network_sampled": largest,
    }


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=31)
    parser.add_argument("--sellers", type=int, default=1_000_000, help="sellers (default 1000000; 3 contacts each)")
    parser.add_argument("--child", action="store_true", help=argparse_suppress())
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(build(args.sellers, args.seed)))
        return 0
    child = subprocess.run([sys.executable, "-m", "benchmarks.networks_memory", "--child",
                            "--sellers", str(args.sellers), "--seed", str(args.seed)],
                           check=True, capture_output=True, text=True)
    report = json.loads(child.stdout.strip().splitlines()[-1])
    report["target_peak_rss_mb"] = 300
    write_report(report, args.json, [
        ("sellers", report["sellers"]), ("contact hashes", report["contact_hashes"]),
        ("sellers with confirmed takedowns", report["sellers_with_takedowns"]),
        ("state bytes (numpy arrays and id pool)", report["state_bytes"]),
        ("peak RSS of the state (MiB, over the interpreter)", report["peak_rss_mb"]),
        ("peak RSS of the process (MiB)", report["process_peak_rss_mb"]),
        ("build (s)", report["build_s"]), ("lookups/s (batches of 2000)", report["lookups_per_s"]),
        ("largest network sampled", report["largest_network_sampled"]),
    ])
    return 0


def argparse_suppress() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    raise SystemExit(main())
