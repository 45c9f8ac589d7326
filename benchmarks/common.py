"""What every benchmark shares: a broker, pre-loaded listings, a rate meter, the report."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import aiohttp
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from agents.commands.publish import publish_listings_sync
from agents.cpu import CpuUse
from agents.kafka.broker import Cluster, local_or_configured, local_replication
from agents.kafka.clients import create_topics, group_state, partition_ids
from agents.kafka.group_lag import read_group_lags
from agents.processes import LoggedProcess, first_exit
from pipeline.settings import Settings
from pipeline.synthetic.generator import ListingGenerator
from pipeline.topics import TopicSpec

POLL_S = 0.05
READY_POLL_S = 0.25  # how often the meter asks whether every process is in


def cluster() -> contextlib.AbstractContextManager[Cluster]:
    """COUNTERSCAN_BOOTSTRAP_SERVERS if set, else a fresh local broker (a cluster with
    COUNTERSCAN_BROKERS=3), stopped afterwards (:func:`agents.kafka.broker.local_or_configured`
    with the environment's settings). From here on, SIGTERM ends the benchmark as Ctrl-C would:
    its ``finally`` blocks stop the workers, services and broker it started (by default the
    signal ended Python at once, and a soak stopped by ``timeout`` left them all running)."""
    if threading.current_thread() is threading.main_thread():  # where Python lets a handler be set
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    return local_or_configured(Settings.load())


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def prepare_topics(bootstrap: str, *extra: TopicSpec) -> None:
    from pipeline.topics import ALL_TOPICS

    asyncio.run(create_topics(bootstrap, local_replication(Settings.load()), specs=(*ALL_TOPICS, *extra)))


def reset_topics(bootstrap: str, specs: Sequence[TopicSpec], timeout_s: float = 60.0) -> None:
    """Delete the topics and create them empty: a run that follows another on the same broker
    must not start from the state the other left (seller links it learned, above all)."""
    async def run() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            names = [spec.name for spec in specs]
            listed = set(await admin.list_topics())
            present = [name for name in names if name in listed]
            if present:
                await admin.delete_topics(present)
            deadline = time.monotonic() + timeout_s
            while set(names) & set(await admin.list_topics()):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"topics still listed {timeout_s:.0f} s after deleting them: {names}")
                await asyncio.sleep(0.2)
        finally:
            await admin.close()
        await create_topics(bootstrap, specs=tuple(specs))
    asyncio.run(run())


def own_broker(broker_pid: int | None) -> bool:
    """Whether a benchmark may reset state topics between runs (:func:`reset_topics`): only on
    the broker it started. On a cluster of yours they are left alone, and a run finds the state
    the runs before it left."""
    if broker_pid is None:
        print("external cluster: its state topics are left alone, so a counterscan run finds the "
              "seller links of the runs before it", file=sys.stderr)
    return broker_pid is not None


def preload(bootstrap: str, topic: str, count: int, seed: int, prefix: str) -> None:
    """Publish ``count`` generated listings (the demo's realistic mix), with progress on stderr."""
    listings = itertools.islice(ListingGenerator(seed, id_prefix=prefix), count)
    publish_listings_sync(bootstrap, listings, total=count, topic=topic, progress=True)


async def group_lags(bootstrap: str, groups: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Each group's lag over its topics, from its committed offsets (what a restart resumes from)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        lags = dict.fromkeys(groups, 0)
        for row in await read_group_lags(admin, consumer, groups):
            lags[row.group] += row.lag
        return lags
    finally:
        await consumer.stop()
        await admin.close()


def start_feeder(bootstrap: str, count: int, rate: float | None, seed: int, labels: Path, log: Path) -> LoggedProcess:
    """``counterscan generate`` publishing ``count`` listings (at ``rate`` a second, or as fast as it
    can) in a process of its own: in this one, the generator would share a core with the outcome
    reader and fall behind the rate."""
    pace = ["--rate", str(rate)] if rate else []
    return LoggedProcess([sys.executable, "-m", "agents.cli", "generate", "--count", str(count), *pace, "--seed",
                          str(seed), "--labels", str(labels), "--no-progress"], log,
                         {"COUNTERSCAN_BOOTSTRAP_SERVERS": bootstrap})


class OutputMeter:
    """Counts records arriving on topics by polling their end offsets.

    The rate is (records - first batch seen) over the time from the first poll
    that saw output to the poll that saw the target reached: from first output
    to last output acknowledged, the same way for every contender. With
    ``ready``, the window opens only once it says every process is in: a process
    that joins its group late takes its partitions away from the others in a
    rebalance, and what the processes share once all are in is what the figure
    means. The rate from the first output is reported beside it either way.
    """

    def __init__(self, bootstrap: str, topics: Sequence[str]) -> None:
        self.bootstrap = bootstrap
        self.topics = list(topics)

    async def _ends(self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> int:
        return sum((await consumer.end_offsets(partitions)).values())

    def measure(self, expected: int, timeout_s: float, exited: Callable[[], str | None] = lambda: None,
                ready: Callable[[], Awaitable[bool]] | None = None,
                on_open: Callable[[], None] | None = None) -> dict[str, float]:
        """``on_open`` is called as the window opens (to start a CPU meter or a profiler there)."""
        async def run() -> dict[str, float]:
            consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None)
            await consumer.start()
            try:
                partitions = [TopicPartition(t, p) for t in self.topics
                              for p in await partition_ids(self.bootstrap, t)]
                base = await self._ends(consumer, partitions)
                first: tuple[float, int] | None = None  # first output: time, records
                opened: tuple[float, int] | None = None  # all processes in: time, records
                asked = -READY_POLL_S  # when ``ready`` was last asked
                deadline = time.monotonic() + timeout_s
                while time.monotonic() < deadline:
                    seen = await self._ends(consumer, partitions) - base
                    now = time.monotonic()
                    if seen and first is None:
                        first = (now, seen)
                    if first is not None and opened is None and now - asked >= READY_POLL_S:
                        asked = now
                        if ready is None or await ready():
                            opened = (now, seen)
                            if on_open is not None:
                                on_open()
                    if seen >= expected:
                        if opened is None or opened[0] == now:
                            raise RuntimeError(f"all {expected} records on {self.topics} were out before every process "
                                           "was in its group: too few records to measure them together (--listings)")
                        return {"records": seen, "seconds": round(now - opened[0], 3),
                                "per_s": round((seen - opened[1]) / (now - opened[0]), 1),
                                "from_first_output_per_s": round((seen - first[1]) / (now - first[0]), 1),
                                "records_before_all_in": opened[1]}
                    if (why := exited()) is not None:
                        raise RuntimeError(f"{why}, after {seen} of {expected} records")
                    await asyncio.sleep(POLL_S)
                raise TimeoutError(f"only {seen} of {expected} records on {self.topics} after {timeout_s:.0f}s")
            finally:
                await consumer.stop()
        return asyncio.run(run())


class Profiler(Protocol):
    """Samples one process over a measured window (see ``benchmarks.profile``)."""

    def start(self, pid: int) -> None: ...

    def stop(self) -> None: ...


def measure_processes(bootstrap: str, outputs: Sequence[str], expected: int, timeout_s: float,
                      procs: Sequence[subprocess.Popen[bytes]], ready: Callable[[], Awaitable[bool]] | None,
                      broker_pid: int | None, profiler: Profiler | None = None) -> dict[str, Any]:
    """:meth:`OutputMeter.measure` of ``procs``, with the CPU they and the broker spent per listing
    over the same window (``cpu_us_per_listing``), and ``profiler`` sampling the first process."""
    cpu = CpuUse({"processes": [p.pid for p in procs], "broker": [broker_pid] if broker_pid else []})

    def opened() -> None:
        cpu.open()
        if profiler is not None:
            profiler.start(procs[0].pid)

    try:
        measured: dict[str, Any] = OutputMeter(bootstrap, outputs).measure(
            expected, timeout_s, exited=lambda: first_exit(procs), ready=ready, on_open=opened)
        cpu.close()
    finally:
        if profiler is not None:
            profiler.stop()
    measured["cpu_us_per_listing"] = cpu.per_listing_us(measured["records"] - measured["records_before_all_in"])
    return measured


def group_in(bootstrap: str, group: str, members: int, probe_urls: Sequence[str] = ()) -> Callable[[], Awaitable[bool]]:
    """A check for :meth:`OutputMeter.measure`: the group is Stable with ``members`` members
    (partitions are assigned) and every URL in ``probe_urls`` (a worker's /readyz) answers 200."""

    async def check() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            state, joined = await group_state(admin, group)
        except KafkaError:
            return False
        finally:
            await admin.close()
        if state != "Stable" or joined != members:
            return False
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
            for url in probe_urls:
                try:
                    async with session.get(url) as answer:
                        if answer.status != 200:
                            return False
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    return False
        return True

    return check


def worker_env(bootstrap: str, name: str, **settings: str) -> dict[str, str]:
    """Environment of benchmark workers: the broker, and a scan group and Faust app id of their
    own, so a run never resumes another's offsets or state."""
    group = f"{name}-{uuid.uuid4().hex[:6]}"
    settings.setdefault("replication_factor", str(local_replication(Settings.load())))  # 3 on a local cluster
    return Settings.env(bootstrap_servers=bootstrap, scan_group_id=group, app_id=f"{group}-app", **settings)


@contextlib.contextmanager
def log_dir(root: Path | None, name: str) -> Iterator[Path]:
    """Where a run's processes log: ``root/name``, kept, when the user asked for the logs; else a
    temporary folder, gone with the run."""
    if root is None:
        with tempfile.TemporaryDirectory(prefix=f"counterscan-{name}-") as scratch:
            yield Path(scratch)
        return
    (root / name).mkdir(parents=True, exist_ok=True)
    yield root / name


def benchmark_parser(doc: str | None, seed: int) -> argparse.ArgumentParser:
    """The options every benchmark has: the generator seed and where the JSON report goes."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=seed, help=f"generator seed (default {seed})")
    parser.add_argument("--json", type=Path, default=None, help="write the report here as JSON")
    return parser


def write_report(report: dict[str, Any], path: Path | None, rows: Sequence[tuple[str, Any]]) -> None:
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n")
        print(f"report written to {path}")
