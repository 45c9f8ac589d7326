"""Fault scenarios on a real broker: is every listing still decided, and how many twice?

Each scenario gets a fresh broker, publishes a known set of listings, runs two
workers in one consumer group, injects its fault mid-stream, and reconciles
the outputs by listing id: ``lost`` (neither a decision nor a dead letter),
``duplicate_decisions`` (extra records with a decision id already seen; allowed
under at-least-once, and recognisable by that id) and ``recovery_s`` (from the
fault to the last listing accounted for).

``downstream_stall`` (benchmarks/stall.py) also audits the group's commits while
listings.decisions refuses writes.

    python -m benchmarks.faults --json reports/faults.json [--scenarios worker_kill,poison_mix]
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.demo import collect
from agents.kafka import create_topics, wait_for_group
from agents.processes import spawned, worker_command
from benchmarks.common import benchmark_parser, publish_items, worker_env, write_report
from benchmarks.stall import downstream_stall
from pipeline.broker import LocalBroker
from pipeline.generator import ListingGenerator, Mix
from pipeline.report import Reconciliation
from pipeline.settings import Settings


@dataclass
class Stage:
    """What a fault can act on: the broker, the group's workers, and a place for its own figures."""

    broker: LocalBroker
    bootstrap: str
    group: str
    workers: list[subprocess.Popen[bytes]]
    env: dict[str, str]  # what every worker of the group runs with
    log_dir: Path
    notes: dict[str, Any] = field(default_factory=dict)
    after: list[Callable[[], None]] = field(default_factory=list)  # checks once every listing is accounted for

    def add_worker(self) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"extra-{uuid.uuid4().hex[:6]}.log", "wb")
        worker = subprocess.Popen(worker_command(), env={**os.environ, **self.env},
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.workers.append(worker)
        return worker


Fault = Callable[[Stage], None]


def worker_kill(stage: Stage) -> None:
    stage.workers[0].send_signal(signal.SIGKILL)
    stage.workers[0].wait(10)
    stage.add_worker()


def worker_term(stage: Stage) -> None:
    started = time.monotonic()
    stage.workers[0].send_signal(signal.SIGTERM)
    stage.notes["term_exit_code"] = stage.workers[0].wait(60)
    stage.notes["term_exit_s"] = round(time.monotonic() - started, 2)


def rebalance_storm(stage: Stage) -> None:
    for _ in range(3):
        extra = stage.add_worker()
        time.sleep(3)
        extra.send_signal(signal.SIGTERM)
        extra.wait(60)
        time.sleep(1)


def broker_restart(stage: Stage) -> None:
    """A clean stop and, after recovering, a SIGKILL of the JVM; each time back on the same data."""
    stage.broker.restart(kill=False, down_s=3.0)
    time.sleep(5.0)
    stage.broker.restart(kill=True, down_s=3.0)


def poison_mix(stage: Stage) -> None:
    """No fault beyond the input itself: 10 % of the records are malformed."""


SCENARIOS: dict[str, tuple[Fault, Mix]] = {
    "worker_kill": (worker_kill, Mix()),
    "worker_term": (worker_term, Mix()),
    "rebalance_storm": (rebalance_storm, Mix()),
    "poison_mix": (poison_mix, Mix(malformed=0.10)),
    "broker_restart": (broker_restart, Mix()),
    "downstream_stall": (downstream_stall, Mix()),
}


def run_scenario(name: str, listings: int, seed: int, rate: float) -> dict[str, Any]:
    fault, mix = SCENARIOS[name]
    broker = LocalBroker(Settings.load())
    handle = broker.start()
    try:
        bootstrap = handle.bootstrap_servers
        env = worker_env(bootstrap, "fault", roles="scan")
        group = env["COUNTERSCAN_SCAN_GROUP_ID"]
        asyncio.run(create_topics(bootstrap))
        items = ListingGenerator(seed, id_prefix=f"{name}-", mix=mix).take(listings)
        reconciliation = Reconciliation({i.listing_id for i in items})
        with tempfile.TemporaryDirectory() as scratch, \
                spawned([worker_command(), worker_command()], env, Path(scratch)) as workers:
            stage = Stage(broker, bootstrap, group, workers, env, Path(scratch))
            asyncio.run(wait_for_group(bootstrap, group, 2, alive=lambda: all(w.poll() is None for w in workers)))
            # listings keep arriving while the fault happens: published at a steady rate in the background
            feeder = threading.Thread(target=publish_items, args=(bootstrap, items, rate), daemon=True)
            feeder.start()
            # wait until a third is decided (a throwaway tally: the final one re-reads from the start)
            asyncio.run(collect(bootstrap, _Until(Reconciliation(reconciliation.expected), listings // 3),
                                stall_timeout_s=120))
            fault_at = time.monotonic()
            fault(stage)
            feeder.join()
            done_at = asyncio.run(collect(bootstrap, reconciliation, stall_timeout_s=120))
            for check in stage.after:
                check()
            for extra in workers[2:]:
                if extra.poll() is None:
                    extra.terminate()
                    extra.wait(60)
        summary = reconciliation.summary()
        return {
            "listings_in": summary["listings_in"], "decided": summary["decisions"],
            "deadlettered": summary["deadletter"], "lost": summary["lost"],
            "duplicate_decisions": summary["duplicates"], "recovery_s": round(done_at - fault_at, 2),
            **stage.notes,
        }
    finally:
        broker.stop()


class _Until(Reconciliation):
    """A reconciliation that counts as complete once ``enough`` listings are accounted for."""

    def __init__(self, full: Reconciliation, enough: int) -> None:
        super().__init__(full.expected, full.decided, full.deadlettered, full.decision_ids, full.duplicates)
        self.full, self.enough = full, enough

    def add_decision(self, decision: dict[str, Any]) -> None:
        self.full.add_decision(decision)

    def add_deadletter(self, record: dict[str, Any]) -> None:
        self.full.add_deadletter(record)

    @property
    def complete(self) -> bool:
        return self.full.accounted >= self.enough


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=61)
    parser.add_argument("--listings", type=int, default=50_000, help="listings per scenario (default 50000)")
    parser.add_argument("--rate", type=float, default=5000.0,
                        help="listings published per second while the fault happens (default 5000)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated, of {', '.join(SCENARIOS)}")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {}
    for name in args.scenarios.split(","):
        print(f"{name} ...", file=sys.stderr)
        report[name] = run_scenario(name, args.listings, args.seed, args.rate)
    rows = [(f"{name}: {key}", value) for name, result in report.items() for key, value in result.items()]
    write_report(report, args.json, rows)
    return 0 if all(r["lost"] == 0 for r in report.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
