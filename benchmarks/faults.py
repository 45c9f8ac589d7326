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
import contextlib
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from agents.commands.demo import collect
from agents.commands.publish import publish_listings_sync
from agents.kafka.broker import LocalBroker
from agents.kafka.clients import create_topics, wait_for_group
from agents.processes import first_exit, spawned, worker_command
from benchmarks.chaos import CHAOS_SETTINGS, rebalance_chaos
from benchmarks.common import benchmark_parser, worker_env, write_report
from benchmarks.stage import Stage
from benchmarks.stall import downstream_stall
from pipeline.offline.reconciliation import Reconciliation
from pipeline.settings import Settings
from pipeline.synthetic.generator import ListingGenerator, Mix

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


class Scenario(NamedTuple):
    fault: Fault
    mix: Mix = Mix()
    settings: dict[str, str] = {}  # worker settings of this scenario, beside the common ones


SCENARIOS: dict[str, Scenario] = {
    "worker_kill": Scenario(worker_kill),
    "worker_term": Scenario(worker_term),
    "rebalance_storm": Scenario(rebalance_storm),
    "poison_mix": Scenario(poison_mix, Mix(malformed=0.10)),
    "broker_restart": Scenario(broker_restart),
    "downstream_stall": Scenario(downstream_stall),
    "rebalance_chaos": Scenario(rebalance_chaos, settings=CHAOS_SETTINGS),
}


def run_scenario(name: str, listings: int, seed: int, rate: float, logs: Path | None = None) -> dict[str, Any]:
    """One scenario on a fresh broker; the workers' logs go to ``logs`` if given (kept), else to a
    temporary directory."""
    fault, mix, settings = SCENARIOS[name]
    broker = LocalBroker(Settings.load())
    handle = broker.start()
    try:
        bootstrap = handle.bootstrap_servers
        env = worker_env(bootstrap, "fault", **{"roles": "scan", **settings})
        group = env["COUNTERSCAN_SCAN_GROUP_ID"]
        asyncio.run(create_topics(bootstrap))
        items = ListingGenerator(seed, id_prefix=f"{name}-", mix=mix).take(listings)
        reconciliation = Reconciliation({i.listing_id for i in items})
        with _log_dir(logs, name) as scratch, \
                spawned([worker_command(), worker_command()], env, Path(scratch)) as workers:
            stage = Stage(broker, bootstrap, group, workers, env, Path(scratch), seed)
            asyncio.run(wait_for_group(bootstrap, group, 2, exited=lambda: first_exit(workers)))
            # listings keep arriving while the fault happens: published at a steady rate in the background
            feeder = threading.Thread(target=publish_listings_sync, args=(bootstrap, items), kwargs={"rate": rate},
                                      daemon=True)
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


@contextlib.contextmanager
def _log_dir(root: Path | None, name: str) -> Iterator[str]:
    if root is None:
        with tempfile.TemporaryDirectory() as scratch:
            yield scratch
        return
    (root / name).mkdir(parents=True, exist_ok=True)
    yield str(root / name)


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
    parser.add_argument("--logs", type=Path, default=None, help="keep the workers' logs here, a folder per scenario")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated, of {', '.join(SCENARIOS)}")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {}
    for name in args.scenarios.split(","):
        print(f"{name} ...", file=sys.stderr)
        report[name] = run_scenario(name, args.listings, args.seed, args.rate, args.logs)
    rows = [(f"{name}: {key}", value) for name, result in report.items() for key, value in result.items()]
    write_report(report, args.json, rows)
    return 0 if all(r["lost"] == 0 for r in report.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
