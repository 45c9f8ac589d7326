"""The hot path's Kafka client: aiokafka beside librdkafka (confluent-kafka) on the same records.

A scan worker spends part of each listing in aiokafka itself: decoding fetch
responses, building record batches, the protocol. confluent-kafka does that
work in librdkafka's C threads. This puts the two side by side with nothing
else in the loop: each client consumes the same pre-loaded listings with a
fresh consumer group, produces a copy of every record (key and value) to an
output topic, waits for the acknowledgements and only then commits the input
offsets, as the scan service does:

- aiokafka: ``getmany()`` batches and our batch producer (``agents.kafka.batching``);
- confluent: ``Consumer.consume()`` batches, ``Producer.produce()`` each record,
  ``flush()`` for the acknowledgements, then a synchronous ``commit()``.

Both producers are idempotent with acks from all in-sync replicas, a 5 ms
linger and 512 KiB batches, without compression. Per client and round (every
other round in reverse order) it reports the rate and the CPU per record of the
client's processes and of the broker, over the same window (``OutputMeter``).

    python -m benchmarks.kafka_clients --json reports/kafka_clients.json [--records 500000] [--processes 2]
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from benchmarks.common import (
    benchmark_parser,
    cluster,
    group_in,
    measure_processes,
    preload,
    prepare_topics,
    write_report,
)
from pipeline import topics
from pipeline.topics import TopicSpec

CLIENTS = ("aiokafka", "confluent")
COPY_OUT = TopicSpec("bench.clients.out", topics.HOT_PARTITIONS, "listing id", "benchmark output")
BATCH = 2000


async def copy_with_aiokafka(bootstrap: str, group: str, source: str, sink: str) -> None:
    """getmany, one batch produce of every copy, acknowledgements, then the commit."""
    from aiokafka.errors import CommitFailedError, IllegalStateError

    from agents.kafka.batching import produce_all
    from agents.kafka.clients import producer, reader
    from pipeline.types import OutputRecord

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    consumer = reader(bootstrap, source, group_id=group, max_poll_records=BATCH, fetch_max_bytes=64 * 1024 * 1024)
    client = producer(bootstrap)
    await consumer.start()
    await client.start()
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=100, max_records=BATCH)
            if not batches:
                continue
            await produce_all(client, [OutputRecord(sink, message.key, message.value)
                                       for messages in batches.values() for message in messages])
            try:
                await consumer.commit({tp: messages[-1].offset + 1 for tp, messages in batches.items()})
            except (CommitFailedError, IllegalStateError):  # moved in a rebalance (during the batch, or as the
                continue  # commit was sent): the new owner goes on from the last commit, as at-least-once allows
    finally:
        await consumer.stop()
        await client.stop()


def copy_with_confluent(bootstrap: str, group: str, source: str, sink: str) -> None:
    """consume() batches, produce() every copy, flush() for the acknowledgements, then commit()."""
    from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "fetch.max.bytes": 64 * 1024 * 1024,
                         "max.partition.fetch.bytes": 8 * 1024 * 1024, "heartbeat.interval.ms": 1000})
    client = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                       "linger.ms": 5, "batch.size": 512 * 1024, "message.max.bytes": 10 * 1024 * 1024})
    failed: list[object] = []

    def delivered(error: object, _message: object) -> None:
        if error is not None:
            failed.append(error)

    consumer.subscribe([source])
    try:
        while not stopping:
            messages = consumer.consume(num_messages=BATCH, timeout=0.1)
            if not messages:
                continue
            last: dict[tuple[str, int], int] = {}
            for message in messages:
                if message.error():
                    continue
                while True:
                    try:
                        client.produce(sink, message.value(), message.key(), on_delivery=delivered)
                        break
                    except BufferError:  # the local queue is full: serve the callbacks and try again
                        client.poll(0.01)
                last[(message.topic(), message.partition())] = message.offset()
            client.flush()
            if failed:
                raise RuntimeError(f"outputs refused: {failed[:3]}")
            try:
                consumer.commit(offsets=[TopicPartition(t, p, o + 1) for (t, p), o in last.items()],
                                asynchronous=False)
            except KafkaException:  # moved in a rebalance: the new owner goes on from the last commit
                continue
    finally:
        consumer.close()
        client.flush(10)


def run_client(bootstrap: str, client: str, records: int, processes_n: int, scratch: Path,
               broker_pid: int | None) -> dict[str, Any]:
    """One client's processes over the pre-loaded records, with a consumer group of their own."""
    from agents.processes import spawned

    group = f"bench-{client}-{uuid.uuid4().hex[:6]}"
    command = [sys.executable, "-m", "benchmarks.kafka_clients", "--copy", client, bootstrap, group,
               topics.LISTINGS_RAW.name, COPY_OUT.name]
    with spawned([command] * processes_n, {}, scratch) as procs:
        return measure_processes(bootstrap, [COPY_OUT.name], records, 600, procs,
                                 group_in(bootstrap, group, processes_n), broker_pid)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--copy"]:  # one process of a contender
        client, *where = argv[1:6]
        if client == "aiokafka":
            asyncio.run(copy_with_aiokafka(*where))
        else:
            copy_with_confluent(*where)
        return 0
    parser = benchmark_parser(__doc__, seed=7)
    parser.add_argument("--records", type=int, default=500_000, help="listings pre-loaded and copied (default 500000)")
    parser.add_argument("--processes", type=int, default=2, help="processes per client (default 2)")
    parser.add_argument("--rounds", type=int, default=2, help="runs per client, every other round reversed (default 2)")
    args = parser.parse_args(argv)

    runs: dict[str, list[dict[str, Any]]] = {client: [] for client in CLIENTS}
    with cluster() as (bootstrap, broker, broker_pid), tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        prepare_topics(bootstrap, COPY_OUT)
        preload(bootstrap, topics.LISTINGS_RAW.name, args.records, args.seed, f"kc{uuid.uuid4().hex[:6]}-")
        print("warming up the broker ...", file=sys.stderr)
        run_client(bootstrap, CLIENTS[0], args.records, args.processes, scratch, broker_pid)
        for round_ in range(args.rounds):
            for client in (CLIENTS if round_ % 2 == 0 else CLIENTS[::-1]):
                print(f"round {round_ + 1}: {client} ...", file=sys.stderr)
                runs[client].append(run_client(bootstrap, client, args.records, args.processes, scratch, broker_pid))

    report: dict[str, Any] = {"records": args.records, "processes": args.processes, "rounds": args.rounds,
                              "broker": broker, "cpu_cores": len(os.sched_getaffinity(0))}
    rows: list[tuple[str, Any]] = [("broker", broker), ("records", args.records),
                                   ("processes per client", args.processes), ("rounds", args.rounds)]
    for client, measured in runs.items():
        cpu = {group: round(sum(r["cpu_us_per_listing"][group] for r in measured) / len(measured), 1)
               for group in measured[0]["cpu_us_per_listing"]}
        report[f"{client}_per_s"] = round(sum(r["per_s"] for r in measured) / len(measured), 1)
        report[f"{client}_per_s_by_round"] = [r["per_s"] for r in measured]
        for group, micros in cpu.items():
            report[f"{client}_{group}_cpu_us_per_record"] = micros
        report[f"{client}_cpu_us_per_record"] = round(sum(cpu.values()), 1)
        rows += [(f"{client} (records/s)", f"{report[f'{client}_per_s']:,.0f}"),
                 (f"{client} CPU per record (us)", ", ".join(f"{g} {m}" for g, m in cpu.items())
                  + f"; total {report[f'{client}_cpu_us_per_record']}")]
    report["confluent_cpu_vs_aiokafka"] = round(report["confluent_cpu_us_per_record"]
                                                / report["aiokafka_cpu_us_per_record"], 3)
    report["confluent_rate_vs_aiokafka"] = round(report["confluent_per_s"] / report["aiokafka_per_s"], 3)
    rows += [("confluent CPU / aiokafka CPU (processes and broker)", report["confluent_cpu_vs_aiokafka"]),
             ("confluent rate / aiokafka rate", report["confluent_rate_vs_aiokafka"])]
    write_report(report, args.json, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
