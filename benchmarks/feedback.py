"""How many enforcement outcomes one feedback worker applies a second, alone, and where its CPU goes.

The soak's feedback worker shares two cores with the broker, the scan workers,
the generator and the takedown service, so its lag there says little about
what bounds it. This benchmark builds the outcomes first: scan workers and the
example takedown service run over ``--listings`` generated listings, with no
feedback worker, so every takedown notice becomes an outcome that waits on
``enforcement.outcomes`` and the seller links are on ``sellers.links``. Then
they stop and one feedback worker starts alone on that backlog. From the first
outcome it commits to the last, it reports outcomes applied per second, the CPU
it and the broker spent per outcome, the rate over each tenth of the backlog
(the generator's counterfeit sellers grow into one large ring as outcomes are
applied, and judging a ring costs more than judging a seller), the
recommendations published, and, with ``--profile``, where the worker's time
went by component (py-spy, as ``benchmarks.profile``).

    python -m benchmarks.feedback --json reports/feedback.json [--listings 300000] [--profile]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from agents.cpu import CpuUse
from agents.kafka.broker import local_replication
from agents.kafka.clients import create_topics, partition_ids, wait_for_group
from agents.kafka.group_lag import read_group_lags
from agents.processes import LoggedProcess, first_exit, terminate, worker_command
from benchmarks.common import benchmark_parser, cluster, log_dir, start_feeder, worker_env, write_report
from benchmarks.profile import Components, PySpy, breakdown, budget, busy
from pipeline import topics
from pipeline.settings import PROJECT_ROOT, Settings

EXAMPLE = PROJECT_ROOT / "examples" / "takedown_service.py"
POLL_S = 1.0
QUIET_S = 15.0  # the takedown service is done when the outcomes have not grown for this long
SEGMENTS = 10

# Components of the feedback worker's time, by the innermost frame that names one (see benchmarks.profile).
FEEDBACK_COMPONENTS: Components = (
    ("waiting (select)", ("/selectors.py",)),
    ("judge on strike times", ("pipeline/sellers/finding.py",)),
    ("strike index", ("pipeline/sellers/strike_index.py",)),
    ("reference recommendation", ("pipeline/sellers/recommendations.py", "pipeline/sellers/repeat_infringer.py")),
    ("seller networks", ("pipeline/sellers/networks/",)),
    ("outcome to record", ("pipeline/sellers/feedback.py", "pipeline/sellers/reputation.py",
                           "pipeline/sellers/outcomes.py")),
    ("decode and validate", ("pipeline/intake/validation.py", "jsonschema", "fastjsonschema")),
    ("followed seller state", ("pipeline/sellers/state.py", "agents/worker/followers.py", "agents/worker/sellers.py")),
    ("outcome agents", ("agents/worker/outcomes.py",)),
    ("RocksDB table", ("faust/stores/", "rocksdict")),
    ("Faust table and changelog", ("faust/tables/",)),
    ("Faust streams, agents, commits", ("faust/",)),
    ("mode services", ("mode/",)),
    ("Kafka client (aiokafka)", ("aiokafka/",)),
)


async def _ends(bootstrap: str, names: Sequence[str]) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        tps = [TopicPartition(name, p) for name in names for p in await partition_ids(bootstrap, name)]
        return sum((await consumer.end_offsets(tps)).values())
    finally:
        await consumer.stop()


def records_on(bootstrap: str, *names: str) -> int:
    """Records written to the topics so far (the sum of their end offsets)."""
    return asyncio.run(_ends(bootstrap, names))


async def committed(bootstrap: str, group: str, topic: str) -> int:
    """The records of ``topic`` the group has committed (the sum of its committed offsets)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        return sum(row.position for row in await read_group_lags(admin, consumer, {group: (topic,)}))
    finally:
        await consumer.stop()
        await admin.close()


def _checked(processes: Sequence[LoggedProcess]) -> None:
    if (why := first_exit(processes)) is not None:
        raise RuntimeError(why)


def build_backlog(bootstrap: str, env: dict[str, str], listings: int, scan_workers: int, seed: int,
                  logs: Path) -> dict[str, Any]:
    """Scan ``listings`` and let the takedown service turn every takedown notice into an outcome,
    with no feedback worker: the outcomes wait on their topic, the links are on theirs."""
    scans = [LoggedProcess(worker_command(), logs / f"scan-{i}.log", {**env, **Settings.env(roles="scan")})
             for i in range(scan_workers)]
    service = LoggedProcess([sys.executable, str(EXAMPLE), "--bootstrap-servers", bootstrap, "--group",
                             f"{env['COUNTERSCAN_SCAN_GROUP_ID']}-takedowns"], logs / "takedown-service.log", {})
    began = time.monotonic()
    try:
        asyncio.run(wait_for_group(bootstrap, env["COUNTERSCAN_SCAN_GROUP_ID"], scan_workers,
                                   exited=lambda: first_exit(scans)))
        feed = start_feeder(bootstrap, listings, None, seed, logs / "labels.jsonl", logs / "generate.log")
        try:
            while (decided := records_on(bootstrap, topics.DECISIONS.name, topics.DEADLETTER.name)) < listings:
                _checked([*scans, service])
                if feed.poll() not in (None, 0):
                    raise RuntimeError(f"the generator failed: {feed.exit_description()}")
                print(f"backlog: {decided} of {listings} listings decided", file=sys.stderr)
                time.sleep(5 * POLL_S)
        finally:
            terminate(feed.pid, 10.0, feed)
        outcomes, quiet_since = -1, time.monotonic()
        while time.monotonic() - quiet_since < QUIET_S:
            _checked([service])
            now = records_on(bootstrap, topics.OUTCOMES.name)
            if now != outcomes:
                outcomes, quiet_since = now, time.monotonic()
            time.sleep(POLL_S)
    finally:
        for process in [*scans, service]:
            terminate(process.pid, 60.0, process)
    return {"listings": listings, "scan_workers": scan_workers, "backlog_s": round(time.monotonic() - began, 1),
            "takedown_notices": records_on(bootstrap, topics.TAKEDOWN.name),
            "outcomes": records_on(bootstrap, topics.OUTCOMES.name)}


def drain(bootstrap: str, env: dict[str, str], outcomes: int, broker_pid: int | None, logs: Path,
          spy: PySpy | None, timeout_s: float) -> dict[str, Any]:
    """One feedback worker on the backlog, from the first outcome it commits to the last."""
    worker = LoggedProcess(worker_command(), logs / "feedback.log", {**env, **Settings.env(roles="feedback")})
    cpu = CpuUse({"worker": [worker.pid], "broker": [broker_pid] if broker_pid else []})
    started = time.monotonic()
    opened: tuple[float, int] | None = None
    progress: list[tuple[float, int]] = []
    try:
        while True:
            _checked([worker])
            applied = asyncio.run(committed(bootstrap, env["COUNTERSCAN_APP_ID"], topics.OUTCOMES_BY_SELLER.name))
            now = time.monotonic()
            if applied and opened is None:
                opened = (now, applied)
                cpu.open()
                if spy is not None:
                    spy.start(worker.pid)
            if opened is not None:
                progress.append((now - opened[0], applied))
                print(f"feedback: {applied} of {outcomes} outcomes applied", file=sys.stderr)
            if applied >= outcomes:
                break
            if now - started > timeout_s:
                raise TimeoutError(f"{applied} of {outcomes} outcomes applied after {timeout_s:.0f} s")
            time.sleep(POLL_S)
        cpu.close()
        peak_rss_mb = peak_rss(worker.pid)
    finally:
        if spy is not None and opened is not None:
            spy.stop()
        terminate(worker.pid, 60.0, worker)
    assert opened is not None
    seconds, measured = progress[-1][0], outcomes - opened[1]
    return {"outcomes_measured": measured, "drain_s": round(seconds, 1),
            "per_s": round(measured / seconds, 1) if seconds else None,
            "cpu_us_per_outcome": cpu.per_listing_us(measured),
            "per_s_by_tenth": rates_by_segment(progress, opened[1], outcomes),
            "recommendations": records_on(bootstrap, topics.SUSPECTS_SELLERS.name), "peak_rss_mb": peak_rss_mb}


def peak_rss(pid: int) -> float | None:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def rates_by_segment(progress: Sequence[tuple[float, int]], first: int, last: int,
                     segments: int = SEGMENTS) -> list[float]:
    """Outcomes per second over each of ``segments`` equal parts of the backlog from ``first`` to
    ``last``, from (seconds, outcomes applied) samples: whether the rate falls as state grows."""
    rates = []
    for index in range(segments):
        low = first + (last - first) * index // segments
        high = first + (last - first) * (index + 1) // segments
        begin = next((t for t, n in progress if n >= low), None)
        end = next((t for t, n in progress if n >= high), None)
        if begin is None or end is None or end <= begin:
            rates.append(0.0)
            continue
        reached_low = next(n for t, n in progress if t == begin)
        reached_high = next(n for t, n in progress if t == end)
        rates.append(round((reached_high - reached_low) / (end - begin), 1))
    return rates


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=23)
    parser.add_argument("--listings", type=int, default=300_000,
                        help="listings scanned to build the backlog of outcomes (default 300000)")
    parser.add_argument("--scan-workers", type=int, default=2, help="scan workers building it (default 2)")
    parser.add_argument("--profile", action="store_true",
                        help="sample the feedback worker with py-spy (the bench extra) over the measured window")
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second (default 100)")
    parser.add_argument("--timeout-s", type=float, default=3600.0,
                        help="give up when the backlog is not applied in this long (default 3600)")
    parser.add_argument("--logs", type=Path, default=None, help="keep the processes' logs here (in a folder feedback)")
    args = parser.parse_args(argv)
    with cluster() as (bootstrap, broker, broker_pid), log_dir(args.logs, "feedback") as logs, \
            tempfile.TemporaryDirectory() as scratch:
        asyncio.run(create_topics(bootstrap, local_replication(Settings.load())))
        env = worker_env(bootstrap, "feedback")
        backlog = build_backlog(bootstrap, env, args.listings, args.scan_workers, args.seed, logs)
        folded = (logs if args.logs else Path(scratch)) / "feedback.folded"  # kept with the logs
        spy = PySpy(folded, args.rate) if args.profile else None
        drained = drain(bootstrap, env, backlog["outcomes"], broker_pid, logs, spy, args.timeout_s)
        samples: Counter[str] = breakdown(folded.read_text().splitlines(), FEEDBACK_COMPONENTS) if spy else Counter()
    report: dict[str, Any] = {"broker": broker, **backlog, **drained}
    rows = [(key, value) for key, value in report.items()]
    if samples:
        worker_us = drained["cpu_us_per_outcome"]["worker"]
        report["components"] = budget(samples, worker_us)
        report["samples"] = busy(samples)
        rows += [("py-spy samples of a busy worker", report["samples"])]
        rows += [(f"  {row['component']}", f"{row['share']:.1%}  {row['us_per_listing']} us")
                 for row in report["components"]]
    write_report(report, args.json, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
