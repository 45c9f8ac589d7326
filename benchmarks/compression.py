"""Bytes through the broker per listing, and what each producer codec costs the workers and the broker.

A decision record is JSON with its signals and explanations, several hundred
bytes, and every listing writes at least one; the broker copies those bytes
into its log and to every reader. Compression trades worker CPU (compressing)
for broker CPU and disk (fewer bytes to write, check and copy), so the only
honest comparison is both CPUs per listing, measured in one run on the same
listings: that is what this does, for each codec of ``producer_compression``.

Pre-loads N listings into ``listings.raw``, runs counterscan once unmeasured
(the broker's JIT), then runs the real workers once per codec and round (the
second round in reverse order, so a drift of the machine does not favour the
codecs measured first), each from empty seller state. Per codec it reports the
workers' and the broker's CPU per listing (means over the rounds) and the bytes
per listing the broker's log grew by on every output topic; for the first
codec, what the records themselves carry (key and value bytes per listing and
topic, read back from the topics).

    python -m benchmarks.compression --json reports/compression.json [--listings 300000] [--workers 2]
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from agents.processes import free_port, spawned, worker_command
from benchmarks.common import (
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
from benchmarks.throughput import COUNTERSCAN_OUT  # exactly one of them per input: the meter's count
from pipeline import topics
from pipeline.settings import COMPRESSION_CODECS

WRITTEN = [spec.name for spec in (topics.DECISIONS, topics.TAKEDOWN, topics.REVIEW, topics.DEADLETTER,
                                  topics.SELLER_LINKS)]  # every topic the hot path writes


def broker_log_dir(broker_pid: int | None) -> Path | None:
    """The local broker's ``log.dirs``, read from the server.properties on its command line;
    None for an external cluster (its logs are not ours to read)."""
    if broker_pid is None:
        return None
    try:
        arguments = Path(f"/proc/{broker_pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    for argument in arguments:
        if argument.endswith(b"server.properties"):
            for line in Path(argument.decode()).read_text().splitlines():
                if line.startswith("log.dirs="):
                    return Path(line.split("=", 1)[1].split(",")[0])
    return None


def log_bytes(log_dir: Path | None) -> dict[str, int]:
    """Bytes of every topic's log segments (the .log files; indexes are preallocated) by topic."""
    sizes: dict[str, int] = {}
    if log_dir is None:
        return sizes
    for partition_dir in log_dir.iterdir():
        topic, _, partition = partition_dir.name.rpartition("-")
        if not partition.isdigit() or not partition_dir.is_dir():
            continue
        sizes[topic] = sizes.get(topic, 0) + sum(p.stat().st_size for p in partition_dir.glob("*.log"))
    return sizes


def grown(before: dict[str, int], after: dict[str, int], listings: int) -> dict[str, float]:
    """Bytes per listing each topic's log grew by (the input topic and Kafka's own left out)."""
    return {topic: round((after[topic] - before.get(topic, 0)) / listings, 1) for topic in sorted(after)
            if after[topic] > before.get(topic, 0) and topic != topics.LISTINGS_RAW.name
            and not topic.startswith("__")}


def end_offsets(bootstrap: str, names: list[str]) -> dict[TopicPartition, int]:
    async def run() -> dict[TopicPartition, int]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
        await consumer.start()
        try:
            partitions = [TopicPartition(name, p) for name in names
                          for p in (consumer.partitions_for_topic(name) or await _partitions(consumer, name))]
            return dict(await consumer.end_offsets(partitions))
        finally:
            await consumer.stop()
    return asyncio.run(run())


async def _partitions(consumer: AIOKafkaConsumer, name: str) -> set[int]:
    await consumer._client.force_metadata_update()  # noqa: SLF001 - a topic this consumer never subscribed to
    return consumer.partitions_for_topic(name) or set()


def record_bytes(bootstrap: str, start: dict[TopicPartition, int], end: dict[TopicPartition, int],
                 listings: int) -> dict[str, dict[str, float]]:
    """Key and value bytes per listing, and records per listing, of each topic between the offsets."""
    async def run() -> dict[str, dict[str, float]]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                    max_partition_fetch_bytes=8 * 1024 * 1024)
        await consumer.start()
        totals: dict[str, list[int]] = {}
        try:
            wanted = {tp: offset for tp, offset in end.items() if offset > start.get(tp, 0)}
            consumer.assign(list(wanted))
            for tp in wanted:
                consumer.seek(tp, start.get(tp, 0))
            while wanted:
                for tp, messages in (await consumer.getmany(timeout_ms=1000, max_records=10_000)).items():
                    counts = totals.setdefault(tp.topic, [0, 0, 0])
                    for message in messages:
                        if message.offset >= wanted.get(tp, 0):
                            break
                        counts[0] += 1
                        counts[1] += len(message.key or b"")
                        counts[2] += len(message.value or b"")
                    if messages and messages[-1].offset + 1 >= wanted.get(tp, 0):
                        wanted.pop(tp, None)
                        consumer.pause(tp)
        finally:
            await consumer.stop()
        return {topic: {"records_per_listing": round(n / listings, 4), "key_bytes_per_listing": round(k / listings, 1),
                        "value_bytes_per_listing": round(v / listings, 1),
                        "value_bytes_per_record": round(v / max(1, n), 1)}
                for topic, (n, k, v) in sorted(totals.items())}
    return asyncio.run(run())


def run_codec(bootstrap: str, count: int, workers: int, scratch: Path, broker_pid: int | None, codec: str,
              fresh: bool) -> dict[str, Any]:
    """One run of the real workers writing with ``codec``; ``fresh``: from empty seller state."""
    if fresh:
        reset_topics(bootstrap, topics.SCAN_STATE)
    env = worker_env(bootstrap, f"bench-{codec}", producer_compression=codec)
    ports = [free_port() for _ in range(workers)]
    ready = group_in(bootstrap, env["COUNTERSCAN_SCAN_GROUP_ID"], workers,
                     [f"http://127.0.0.1:{port}/readyz" for port in ports])
    with spawned([worker_command(metrics_port=port) for port in ports], env, scratch) as procs:
        return measure_processes(bootstrap, COUNTERSCAN_OUT, count, 900, procs, ready, broker_pid)


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=5)
    parser.add_argument("--listings", type=int, default=300_000, help="listings per run (default 300000)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--codecs", default="none,lz4,zstd,snappy",
                        help=f"comma-separated, of {', '.join(COMPRESSION_CODECS)} (default none,lz4,zstd,snappy)")
    parser.add_argument("--rounds", type=int, default=2, help="runs per codec, every other round reversed (default 2)")
    args = parser.parse_args(argv)
    codecs = args.codecs.split(",")
    if unknown := set(codecs) - set(COMPRESSION_CODECS):
        parser.error(f"unknown codecs {sorted(unknown)}")

    measured: dict[str, list[dict[str, Any]]] = {codec: [] for codec in codecs}
    carried: dict[str, dict[str, float]] = {}
    with cluster() as (bootstrap, broker, broker_pid), tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        fresh = own_broker(broker_pid)
        log_dir = broker_log_dir(broker_pid)
        prepare_topics(bootstrap)
        preload(bootstrap, topics.LISTINGS_RAW.name, args.listings, args.seed, f"cz{uuid.uuid4().hex[:6]}-")
        print("warming up the broker ...", file=sys.stderr)
        run_codec(bootstrap, args.listings, args.workers, scratch, broker_pid, codecs[0], fresh)
        for round_ in range(args.rounds):
            for codec in (codecs if round_ % 2 == 0 else codecs[::-1]):
                print(f"round {round_ + 1}: {codec} ...", file=sys.stderr)
                if fresh:  # here, not in the run: the state topics' logs start empty before they are sized
                    reset_topics(bootstrap, topics.SCAN_STATE)
                before, offsets = log_bytes(log_dir), None
                if not carried:
                    offsets = end_offsets(bootstrap, WRITTEN)
                result = run_codec(bootstrap, args.listings, args.workers, scratch, broker_pid, codec, False)
                result["log_bytes_per_listing"] = grown(before, log_bytes(log_dir), args.listings)
                if offsets is not None:
                    carried = record_bytes(bootstrap, offsets, end_offsets(bootstrap, WRITTEN),
                                           args.listings)
                measured[codec].append(result)

    report: dict[str, Any] = {"listings": args.listings, "worker_processes": args.workers, "rounds": args.rounds,
                              "broker": broker, "cpu_cores": len(os.sched_getaffinity(0)),
                              "record_bytes": carried, "codecs": {}}
    for codec, runs in measured.items():
        cpu = {group: round(sum(r["cpu_us_per_listing"][group] for r in runs) / len(runs), 1)
               for group in runs[0]["cpu_us_per_listing"]}
        disk = {topic: round(sum(r["log_bytes_per_listing"].get(topic, 0) for r in runs) / len(runs), 1)
                for topic in runs[0]["log_bytes_per_listing"]}
        report["codecs"][codec] = {
            "per_s": round(sum(r["per_s"] for r in runs) / len(runs), 1),
            "cpu_us_per_listing": cpu, "cpu_us_per_listing_total": round(sum(cpu.values()), 1),
            "cpu_us_per_listing_by_round": [sum(r["cpu_us_per_listing"].values()) for r in runs],
            "log_bytes_per_listing": disk, "log_bytes_per_listing_total": round(sum(disk.values()), 1),
        }
    base = report["codecs"][codecs[0]]
    for codec, row in report["codecs"].items():
        row["cpu_vs_first"] = round(row["cpu_us_per_listing_total"] / base["cpu_us_per_listing_total"], 3)
        if base["log_bytes_per_listing_total"]:
            row["bytes_vs_first"] = round(row["log_bytes_per_listing_total"] / base["log_bytes_per_listing_total"], 3)
    rows: list[tuple[str, Any]] = [("broker", broker), ("listings per run", args.listings),
                                   ("worker processes", args.workers), ("rounds", args.rounds)]
    rows += [(f"{topic}: records, value bytes per listing",
              f"{v['records_per_listing']}, {v['value_bytes_per_listing']} ({v['value_bytes_per_record']} a record)")
             for topic, v in carried.items()]
    for codec, row in report["codecs"].items():
        cpu = ", ".join(f"{group} {us}" for group, us in row["cpu_us_per_listing"].items())
        rows += [(f"{codec}: listings/s", f"{row['per_s']:,.0f}"),
                 (f"{codec}: CPU per listing (us)", f"{cpu}; total {row['cpu_us_per_listing_total']} "
                                                    f"({row['cpu_vs_first']} of {codecs[0]})"),
                 (f"{codec}: log bytes per listing", f"{row['log_bytes_per_listing_total']} "
                                                     f"({row.get('bytes_vs_first', '-')} of {codecs[0]})")]
    write_report(report, args.json, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
