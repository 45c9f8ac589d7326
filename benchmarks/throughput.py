"""Listings per second through one machine: the practical limit, a naive Faust agent, counterscan.

Pre-loads N listings (the demo's realistic mix, 2% malformed) into
``listings.raw`` and then, against the same broker and the same records,
measures each contender with a fresh consumer group (and the CPU per listing
of its processes and of the broker over the same window), from the moment all its
processes are in the group (and, for counterscan, answer /readyz) to the last
output acknowledged (see ``OutputMeter``); the rate from the first output on,
which includes the rebalance a late-joining process causes, is reported too:

- passthrough: aiokafka getmany, orjson decode, one small record out per input;
- quix_passthrough: the same work as a Quix Streams 3.x application (librdkafka
  underneath, its default 5 s checkpoints), see ``benchmarks.quix_passthrough``;
- naive_faust: a Faust agent doing the same work one event at a time;
- counterscan: the real workers, one decision or dead-letter record per input.

With ``--guarantee exactly_once`` counterscan also runs, on the same records, with
Kafka transactions (``processing_guarantee=exactly_once``), and the report gives
its rate and CPU beside at-least-once's: the cost of exactly-once in one run.
(Its output end offsets include one commit marker per partition and transaction,
about 15 in 2000 records, so its rate reads at most 1 % high.)

    python -m benchmarks.throughput --json reports/throughput.json [--workers 2] [--guarantee exactly_once]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from agents.processes import free_port, spawned, worker_command
from benchmarks.common import (
    Profiler,
    benchmark_parser,
    cluster,
    group_in,
    measure_processes,
    own_broker,
    preload,
    prepare_topics,
    reset_topics,
    worker_env,
    write_report,
)
from pipeline import topics
from pipeline.settings import Settings
from pipeline.topics import TopicSpec

PASSTHROUGH_OUT = TopicSpec("bench.passthrough.out", topics.HOT_PARTITIONS, "listing id", "benchmark output")
QUIX_OUT = TopicSpec("bench.quix.out", topics.HOT_PARTITIONS, "listing id", "benchmark output")
NAIVE_OUT = TopicSpec("bench.naive.out", topics.HOT_PARTITIONS, "listing id", "benchmark output")
COUNTERSCAN_OUT = [topics.DECISIONS.name, topics.DEADLETTER.name]  # exactly one of them per input


def run_passthrough(bootstrap: str, count: int, processes_n: int, scratch: Path,
                    broker_pid: int | None = None) -> dict[str, Any]:
    return _run_copier("benchmarks.passthrough", PASSTHROUGH_OUT, bootstrap, count, processes_n, scratch, broker_pid)


def run_quix(bootstrap: str, count: int, processes_n: int, scratch: Path,
             broker_pid: int | None = None) -> dict[str, Any]:
    return _run_copier("benchmarks.quix_passthrough", QUIX_OUT, bootstrap, count, processes_n, scratch, broker_pid)


def _run_copier(module: str, out: TopicSpec, bootstrap: str, count: int, processes_n: int, scratch: Path,
                broker_pid: int | None) -> dict[str, Any]:
    """``processes_n`` processes of ``module``, each copying listings.raw to ``out`` in one group."""
    group = f"bench-{module.rsplit('.', 1)[-1]}-{uuid.uuid4().hex[:6]}"
    command = [sys.executable, "-m", module, bootstrap, group, topics.LISTINGS_RAW.name, out.name]
    with spawned([command] * processes_n, {}, scratch) as procs:
        return measure_processes(bootstrap, [out.name], count, 600, procs,
                                 group_in(bootstrap, group, processes_n), broker_pid)


def run_naive(bootstrap: str, count: int, processes_n: int, scratch: Path,
              broker_pid: int | None = None) -> dict[str, Any]:
    app_id = f"bench-naive-{uuid.uuid4().hex[:6]}"  # also the Faust app's consumer group
    env = {"COUNTERSCAN_BOOTSTRAP_SERVERS": bootstrap, "NAIVE_APP_ID": app_id,
           "NAIVE_SOURCE": topics.LISTINGS_RAW.name, "NAIVE_SINK": NAIVE_OUT.name}
    commands = [[sys.executable, "-m", "benchmarks.naive_faust", "worker", "-l", "warn",
                 "--web-port", str(free_port())] for _ in range(processes_n)]
    with spawned(commands, env, scratch) as procs:
        return measure_processes(bootstrap, [NAIVE_OUT.name], count, 900, procs,
                                 group_in(bootstrap, app_id, processes_n), broker_pid)


def run_counterscan(bootstrap: str, count: int, workers: int, scratch: Path, broker_pid: int | None = None,
                    profiler: Profiler | None = None, fresh_state: bool = False,
                    guarantee: str = "at_least_once") -> dict[str, Any]:
    """With ``fresh_state`` the run starts from empty seller state: after an earlier run on the
    same listings every seller link would already be known, and none learned or published again.
    Only ever on the broker the benchmark started: it deletes topics."""
    if fresh_state:
        reset_topics(bootstrap, topics.SCAN_STATE)
    env = worker_env(bootstrap, "bench", processing_guarantee=guarantee)
    ports = [free_port() for _ in range(workers)]
    ready = group_in(bootstrap, env["COUNTERSCAN_SCAN_GROUP_ID"], workers,
                     [f"http://127.0.0.1:{port}/readyz" for port in ports])
    with spawned([worker_command(metrics_port=port) for port in ports], env, scratch) as procs:
        return measure_processes(bootstrap, COUNTERSCAN_OUT, count, 900, procs, ready, broker_pid, profiler)


def warm_up(bootstrap: str, count: int, workers: int, scratch: Path) -> None:
    """One counterscan pass that is not measured. A fresh broker's JIT compiler works through the
    first run (measured: about 4 us of broker CPU per listing in the first pass, 1 us in the
    third), which charged it to whichever contender ran first."""
    print("warming up the broker ...", file=sys.stderr)
    run_counterscan(bootstrap, count, workers, scratch)


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=5)
    parser.add_argument("--listings", type=int, default=500_000, help="listings pre-loaded and processed (default 500000)")
    parser.add_argument("--naive-listings", type=int, default=100_000,
                        help="listings the naive Faust agent processes (default 100000: at its rate, more only waits)")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes per contender; above 1, counterscan also runs with 1 to show the gain")
    parser.add_argument("--warmup", action=argparse.BooleanOptionalAction, default=True,
                        help="run counterscan once, unmeasured, before measuring anything (default: on)")
    parser.add_argument("--guarantee", choices=("at_least_once", "exactly_once"), default="at_least_once",
                        help="exactly_once: also run counterscan with Kafka transactions and report the cost")
    args = parser.parse_args(argv)

    with cluster() as (bootstrap, broker, broker_pid), tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        fresh = own_broker(broker_pid)
        prepare_topics(bootstrap, PASSTHROUGH_OUT, QUIX_OUT, NAIVE_OUT)
        preload(bootstrap, topics.LISTINGS_RAW.name, args.listings, args.seed, f"tp{uuid.uuid4().hex[:6]}-")
        if args.warmup:
            warm_up(bootstrap, args.listings, args.workers, scratch)
        print("passthrough ...", file=sys.stderr)
        passthrough = run_passthrough(bootstrap, args.listings, args.workers, scratch, broker_pid)
        print("quix streams ...", file=sys.stderr)
        quix = run_quix(bootstrap, args.listings, args.workers, scratch, broker_pid)
        print("naive faust ...", file=sys.stderr)
        naive = run_naive(bootstrap, min(args.naive_listings, args.listings), args.workers, scratch, broker_pid)
        single = None
        if args.workers > 1:
            print("counterscan, 1 worker ...", file=sys.stderr)
            single = run_counterscan(bootstrap, args.listings, 1, scratch, broker_pid, fresh_state=fresh)
        print(f"counterscan, {args.workers} worker(s) ...", file=sys.stderr)
        scan = run_counterscan(bootstrap, args.listings, args.workers, scratch, broker_pid, fresh_state=fresh)
        exactly = None
        if args.guarantee == "exactly_once":
            print(f"counterscan exactly-once, {args.workers} worker(s) ...", file=sys.stderr)
            exactly = run_counterscan(bootstrap, args.listings, args.workers, scratch, broker_pid, fresh_state=fresh,
                                      guarantee="exactly_once")

    report = {
        "listings": args.listings,
        "worker_processes": args.workers,
        "passthrough_per_s": passthrough["per_s"],
        "quix_passthrough_per_s": quix["per_s"],
        "naive_faust_per_s": naive["per_s"],
        "naive_faust_listings": naive["records"],
        "counterscan_per_s": scan["per_s"],
        "ratio_vs_passthrough": round(scan["per_s"] / passthrough["per_s"], 3),
        "ratio_vs_quix_passthrough": round(scan["per_s"] / quix["per_s"], 3),
        "ratio_vs_naive_faust": round(scan["per_s"] / naive["per_s"], 2),
        "broker": broker,
        "counterscan_producer_compression": Settings.load().producer_compression,  # what its workers inherit
        "broker_warmed_up": args.warmup,
        "seller_state_reset": fresh,
        "cpu_cores": len(os.sched_getaffinity(0)),
    }
    if passthrough["cpu_us_per_listing"].get("broker") is not None:
        # CPU per listing is steadier than rates on a shared machine: passthrough waits on its
        # acknowledgements with cores to spare, so its rate swings with the machine's load
        spent = {name: sum(measured["cpu_us_per_listing"].values()) for name, measured in
                 (("passthrough", passthrough), ("counterscan", scan))}
        report["cpu_ratio_vs_passthrough"] = round(spent["passthrough"] / spent["counterscan"], 3)
    if exactly:
        report["counterscan_exactly_once_per_s"] = exactly["per_s"]
        report["exactly_once_rate_ratio"] = round(exactly["per_s"] / scan["per_s"], 3)
        report["exactly_once_cpu_ratio"] = round(sum(exactly["cpu_us_per_listing"].values())
                                                 / sum(scan["cpu_us_per_listing"].values()), 3)
    if single:
        report["counterscan_1_worker_per_s"] = single["per_s"]
        report["scale_gain"] = round(scan["per_s"] / single["per_s"], 2)
    contenders = (("passthrough", passthrough), ("quix_passthrough", quix), ("naive_faust", naive),
                  ("counterscan_1_worker", single), ("counterscan", scan), ("counterscan_exactly_once", exactly))
    for name, measured in contenders:
        if measured:  # from the first output on, a late joiner's rebalance included
            report[f"{name}_from_first_output_per_s"] = measured["from_first_output_per_s"]
            for group, micros in measured["cpu_us_per_listing"].items():  # processes, broker
                report[f"{name}_{group}_cpu_us_per_listing"] = micros
            report[f"{name}_cpu_us_per_listing"] = round(sum(measured["cpu_us_per_listing"].values()), 1)
    write_report(report, args.json, [
        ("broker", broker), ("listings", args.listings), ("processes per contender", args.workers),
        ("passthrough (listings/s)", f"{passthrough['per_s']:,.0f}"),
        ("quix streams passthrough (listings/s)", f"{quix['per_s']:,.0f}"),
        ("naive faust (listings/s)", f"{naive['per_s']:,.0f}"),
        *([("counterscan, 1 worker (listings/s)", f"{single['per_s']:,.0f}")] if single else []),
        ("counterscan (listings/s)", f"{scan['per_s']:,.0f}"),
        ("counterscan from its first output (listings/s)", f"{scan['from_first_output_per_s']:,.0f}"),
        *([("counterscan exactly-once (listings/s)", f"{exactly['per_s']:,.0f}"),
           ("exactly-once rate / at-least-once rate", report["exactly_once_rate_ratio"]),
           ("exactly-once CPU / at-least-once CPU (workers and broker)", report["exactly_once_cpu_ratio"])]
          if exactly else []),
        ("ratio vs passthrough", report["ratio_vs_passthrough"]),
        ("ratio vs quix streams passthrough", report["ratio_vs_quix_passthrough"]),
        ("ratio vs naive faust", report["ratio_vs_naive_faust"]),
        *([("CPU ratio vs passthrough (its CPU per listing / ours)", report["cpu_ratio_vs_passthrough"])]
          if "cpu_ratio_vs_passthrough" in report else []),
        *([("gain of more workers", report["scale_gain"])] if single else []),
        *[(f"{name.replace('_', ' ')} CPU per listing (us)", _cpu_row(measured["cpu_us_per_listing"]))
          for name, measured in contenders if measured],
    ])
    return 0


def _cpu_row(micros: dict[str, float]) -> str:
    """Each group's CPU per listing and their sum: what bounds the rate on cores the broker shares."""
    return ", ".join(f"{group} {value}" for group, value in micros.items()) + f"; total {sum(micros.values()):.1f}"


if __name__ == "__main__":
    raise SystemExit(main())
