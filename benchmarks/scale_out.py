"""How soon a worker added to a busy group takes its share of the partitions.

Pre-loads listings, starts one worker and lets it scan for a while (so it has
learned seller links the newcomer must read first), then starts a second
worker in the same group and times, from its start, until the group is Stable
with both: until the newcomer holds its partitions. Repeated on fresh groups,
each from empty seller state on the broker the benchmark starts (else every
run would find the links of the runs before it and the newcomer read more).

    python -m benchmarks.scale_out --json reports/scale_out.json
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from agents.kafka.clients import wait_for_group
from agents.processes import first_exit, spawned, worker_command
from benchmarks.common import (
    benchmark_parser,
    cluster,
    own_broker,
    preload,
    prepare_topics,
    reset_topics,
    worker_env,
    write_report,
)
from pipeline import topics


def time_a_join(bootstrap: str, busy_s: float, scratch: Path, fresh_state: bool) -> float:
    """Seconds from a second worker's start until the group is Stable with both."""
    if fresh_state:
        reset_topics(bootstrap, topics.SCAN_STATE)
    env = worker_env(bootstrap, "scale")
    group = env["COUNTERSCAN_SCAN_GROUP_ID"]
    for name in ("first", "second"):
        (scratch / name).mkdir(parents=True, exist_ok=True)
    with spawned([worker_command()], env, scratch / "first") as (first,):
        asyncio.run(wait_for_group(bootstrap, group, 1, exited=lambda: first_exit([first])))
        time.sleep(busy_s)
        with spawned([worker_command()], env, scratch / "second") as (second,):
            started = time.monotonic()
            asyncio.run(wait_for_group(bootstrap, group, 2, timeout_s=120,
                                       exited=lambda: first_exit([first, second])))
            return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=5)
    parser.add_argument("--listings", type=int, default=300_000,
                        help="listings pre-loaded, enough to keep the first worker busy (default 300000)")
    parser.add_argument("--busy-s", type=float, default=2.0,
                        help="seconds the first worker scans alone before the second starts (default 2)")
    parser.add_argument("--runs", type=int, default=3, help="joins timed, each with a fresh group (default 3)")
    args = parser.parse_args(argv)

    joins: list[float] = []
    with cluster() as (bootstrap, broker, broker_pid), tempfile.TemporaryDirectory() as scratch_dir:
        fresh = own_broker(broker_pid)
        prepare_topics(bootstrap)
        preload(bootstrap, topics.LISTINGS_RAW.name, args.listings, args.seed, f"so{uuid.uuid4().hex[:6]}-")
        for run in range(args.runs):
            print(f"join {run + 1}/{args.runs} ...", file=sys.stderr)
            joins.append(round(time_a_join(bootstrap, args.busy_s, Path(scratch_dir) / str(run), fresh), 2))

    report = {"join_s": joins, "median_join_s": round(statistics.median(joins), 2), "max_join_s": max(joins),
              "busy_s": args.busy_s, "listings": args.listings, "broker": broker, "seller_state_reset": fresh}
    write_report(report, args.json, [
        ("broker", broker), ("second worker in, per run (s)", ", ".join(f"{s:.2f}" for s in joins)),
        ("median (s)", report["median_join_s"]), ("max (s)", report["max_join_s"]),
    ])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
