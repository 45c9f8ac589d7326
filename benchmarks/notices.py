"""What keeping the notices role's decision table costs: decisions per second and CPU per decision.

A notice is joined with its listing's latest decision, so the notices role
applies every record of ``listings.decisions`` to a Faust table (RocksDB, a
slim decision per listing). This pre-loads decisions, starts one notices
worker, and measures the rate at which its table takes them (records on the
table's changelog) and the CPU the worker and the broker spend per decision
over the same window, against the rates the design names: 116 listings/s on
average at ten million a day, ten times that in bursts. A naive Faust agent
(one small record out per decision, no table) reads the same decisions in the
same run, so the ratio of the two says what the table costs on any day.

    python -m benchmarks.notices --json reports/notices.json
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson

from agents.kafka.clients import producer
from agents.processes import free_port, spawned, worker_command
from benchmarks.common import (
    benchmark_parser,
    cluster,
    group_in,
    measure_processes,
    prepare_topics,
    worker_env,
    write_report,
)
from benchmarks.throughput import NAIVE_OUT
from pipeline import topics
from pipeline.records import decision_id

AVERAGE_PER_S = 116  # ten million listings a day
BURST_PER_S = 1160


def decisions(count: int, prefix: str) -> Iterator[tuple[bytes, bytes]]:
    """Decision records as the scan workers write them, with the signals a takedown explanation has."""
    for n in range(count):
        listing_id = f"{prefix}{n}"
        yield listing_id.encode(), orjson.dumps({
            "schema_version": 1, "decision_id": decision_id("shopzone", listing_id, 0, "rules-1"),
            "listing_id": listing_id, "marketplace": "shopzone", "revision": 0, "seller_id": f"s{n % 50_000}",
            "brand": "gucci" if n % 10 == 0 else None, "score": 0.01 + (n % 97) / 100, "route": "clear",
            "signals": [
                {"name": "brand_mentioned", "value": True, "unit": "flag", "contribution": 1.42,
                 "detail": "listing names Gucci"},
                {"name": "price_ratio_to_retail", "value": 0.3, "unit": "ratio", "contribution": 1.2,
                 "detail": "price is 30% of Gucci's lowest retail price"},
                {"name": "secondhand", "value": 0, "unit": "condition", "contribution": -0.14,
                 "detail": "condition not stated"},
            ],
            "rules_version": "rules-1", "model_version": "logistic-bench", "decided_at": "2026-12-01T00:00:00.000Z",
            "observed_at": "2026-12-01T00:00:00Z"})


async def publish(bootstrap: str, records: Iterator[tuple[bytes, bytes]]) -> None:
    client = producer(bootstrap, linger_ms=20)
    await client.start()
    try:
        while chunk := list(itertools.islice(records, 5000)):
            await asyncio.gather(*[await client.send(topics.DECISIONS.name, value, key=key) for key, value in chunk])
    finally:
        await client.stop()


def run_naive(bootstrap: str, count: int, scratch: Path, broker_pid: int | None) -> dict[str, object]:
    app_id = f"bench-naive-{uuid.uuid4().hex[:6]}"
    env = {"COUNTERSCAN_BOOTSTRAP_SERVERS": bootstrap, "NAIVE_APP_ID": app_id,
           "NAIVE_SOURCE": topics.DECISIONS.name, "NAIVE_SINK": NAIVE_OUT.name}
    command = [sys.executable, "-m", "benchmarks.naive_faust", "worker", "-l", "warn", "--web-port", str(free_port())]
    with spawned([command], env, scratch) as procs:
        return measure_processes(bootstrap, [NAIVE_OUT.name], count, 900, procs, group_in(bootstrap, app_id, 1),
                                 broker_pid)


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=1)
    parser.add_argument("--decisions", type=int, default=200_000, help="decisions pre-loaded (default 200000)")
    args = parser.parse_args(argv)

    with cluster() as (bootstrap, broker, broker_pid), tempfile.TemporaryDirectory() as scratch:
        prepare_topics(bootstrap, NAIVE_OUT)
        prefix = f"nb{uuid.uuid4().hex[:6]}-"
        print(f"pre-loading {args.decisions} decisions ...", file=sys.stderr)
        asyncio.run(publish(bootstrap, decisions(args.decisions, prefix)))
        env = worker_env(bootstrap, "notices", roles="notices", state_dir=str(Path(scratch) / "state"))
        app_id = env["COUNTERSCAN_APP_ID"]
        with spawned([worker_command()], env, Path(scratch)) as procs:
            measured = measure_processes(bootstrap, [f"{app_id}-listing_notices-changelog"], args.decisions, 900,
                                         procs, group_in(bootstrap, app_id, 1), broker_pid)
            peak = resident_mib(procs[0].pid)
        print("naive faust agent on the same decisions ...", file=sys.stderr)
        naive = run_naive(bootstrap, args.decisions, Path(scratch), broker_pid)

    per_s = measured["per_s"]
    report = {
        "decisions": args.decisions, "decisions_per_s": per_s,
        "from_first_output_per_s": measured["from_first_output_per_s"],
        "cpu_us_per_decision": measured["cpu_us_per_listing"],
        "headroom_over_average": round(per_s / AVERAGE_PER_S, 1), "headroom_over_burst": round(per_s / BURST_PER_S, 1),
        "worker_peak_rss_mib": peak, "broker": broker,
        "naive_faust_per_s": naive["per_s"], "naive_faust_cpu_us": naive["cpu_us_per_listing"],
        "ratio_to_naive_faust": round(per_s / naive["per_s"], 2),
    }
    write_report(report, args.json, [
        ("broker", broker), ("decisions", args.decisions), ("table takes (decisions/s)", per_s),
        ("from first output (decisions/s)", measured["from_first_output_per_s"]),
        ("CPU per decision (us)", measured["cpu_us_per_listing"]),
        (f"over the average ({AVERAGE_PER_S}/s)", report["headroom_over_average"]),
        (f"over bursts ({BURST_PER_S}/s)", report["headroom_over_burst"]),
        ("worker peak RSS (MiB)", peak),
        ("naive Faust agent (decisions/s)", naive["per_s"]), ("naive Faust CPU (us)", naive["cpu_us_per_listing"]),
        ("table over naive agent", report["ratio_to_naive_faust"]),
    ])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
