"""`counterscan demo`: a whole run on a real broker, from generation to a reconciled report."""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from agents.commands.publish import publish_listings
from agents.cpu import CpuUse
from agents.kafka.broker import local_or_configured, local_replication
from agents.kafka.clients import create_topics, reader, wait_for_group
from agents.processes import first_exit, spawned, worker_command
from pipeline import topics
from pipeline.offline.evaluation import evaluate
from pipeline.offline.reconciliation import Reconciliation
from pipeline.settings import Settings
from pipeline.synthetic.generator import ListingGenerator

STALL_TIMEOUT_S = 120.0


async def collect(bootstrap: str, reconciliation: Reconciliation, stall_timeout_s: float = STALL_TIMEOUT_S,
                  workers: list[subprocess.Popen[bytes]] | None = None) -> float:
    """Read decisions and dead letters until every expected id is accounted for; returns when.
    Read committed, as a downstream service reads them: an aborted transaction's outputs never count."""
    consumer = reader(bootstrap, topics.DECISIONS.name, topics.DEADLETTER.name, isolation_level="read_committed")
    await consumer.start()
    last_progress = time.monotonic()
    try:
        while not reconciliation.complete:
            batches = await consumer.getmany(timeout_ms=500, max_records=20000)
            for tp, messages in batches.items():
                add = reconciliation.add_decision if tp.topic == topics.DECISIONS.name else reconciliation.add_deadletter
                for message in messages:
                    add(orjson.loads(message.value))
            if batches:
                last_progress = time.monotonic()
            elif time.monotonic() - last_progress > stall_timeout_s:
                break
            if workers and all(w.poll() is not None for w in workers):
                break
        return time.monotonic()
    finally:
        await consumer.stop()


def run_demo(settings: Settings, listings: int, worker_count: int, seed: int, progress: bool = True) -> dict[str, Any]:
    """The listings are generated before any worker starts, so the synthetic generator's pace
    (a few thousand a second) never bounds the rate reported: that rate is the pipeline's, from
    the first listing published to the last decision, with the workers' CPU per listing beside it."""
    started = time.monotonic()
    sent = ListingGenerator(seed).take(listings)
    generated_s = time.monotonic() - started
    with tempfile.TemporaryDirectory(prefix="counterscan-demo-") as scratch, local_or_configured(settings) as cluster:
        bootstrap = cluster.bootstrap
        replication = local_replication(settings)
        asyncio.run(create_topics(bootstrap, replication))
        commands = [worker_command() for _ in range(worker_count)]
        env = Settings.env(bootstrap_servers=bootstrap, scan_group_id=settings.scan_group_id, app_id=settings.app_id,
                           replication_factor=replication, processing_guarantee=settings.processing_guarantee)
        with spawned(commands, env, Path(scratch)) as procs:
            asyncio.run(wait_for_group(bootstrap, settings.scan_group_id, worker_count,
                                       exited=lambda: first_exit(procs)))
            cpu = CpuUse({"workers": [p.pid for p in procs]})
            cpu.open()
            first_sent = time.monotonic()
            asyncio.run(publish_listings(bootstrap, sent, total=listings, progress=progress))
            published = time.monotonic()
            reconciliation = Reconciliation({item.listing_id for item in sent})
            finished = asyncio.run(collect(bootstrap, reconciliation, workers=procs))
            cpu.close()
            exits = [why for why in (p.exit_description() for p in procs) if why is not None]
            logs = {p.name: p.read_text(errors="replace")[-2000:] for p in Path(scratch).glob("process-*.log")}
    labels = {item.listing_id: item.label for item in sent}
    report = reconciliation.summary()
    report.update(
        elapsed_s=round(time.monotonic() - started, 2),
        processing_s=round(finished - first_sent, 2),
        throughput_per_s=round(len(sent) / max(finished - first_sent, 1e-9), 1),
        worker_cpu_us_per_listing=round(cpu.seconds.get("workers", 0.0) / max(len(sent), 1) * 1e6, 1),
        generator_per_s=round(len(sent) / max(generated_s, 1e-9), 1),
        publish_per_s=round(len(sent) / max(published - first_sent, 1e-9), 1),
        workers=worker_count,
        broker=cluster.description,
        quality={k: v for k, v in evaluate(reconciliation.decided.values(), labels).items()
                 if k.endswith(("precision", "recall", "share"))},
    )
    if exits:
        report["worker_exits"] = exits
    if exits or report["lost"]:
        report["worker_logs"] = logs
    return report


def format_report(report: dict[str, Any]) -> str:
    rows = [
        ("broker", report["broker"]),
        ("workers", report["workers"]),
        ("listings in", report["listings_in"]),
        ("decisions", report["decisions"]),
        ("dead letters", report["deadletter"]),
        ("lost", report["lost"]),
        ("duplicates", report["duplicates"]),
        *((f"  route {k}", v) for k, v in report["routes"].items()),
        *((f"  dead letter {k}", v) for k, v in report["deadletter_reasons"].items()),
        *((f"  {k.replace('_', ' ')}", v) for k, v in report["quality"].items()),
        ("processing time (s)", report["processing_s"]),
        ("pipeline throughput (listings/s)", report["throughput_per_s"]),
        ("worker CPU per listing (us)", report["worker_cpu_us_per_listing"]),
        ("generator, before the run (listings/s)", report["generator_per_s"]),
        ("publishing (listings/s)", report["publish_per_s"]),
        ("total time (s)", report["elapsed_s"]),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)
