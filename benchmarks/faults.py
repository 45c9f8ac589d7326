"""Fault scenarios on a real broker: is every listing still decided, and how many twice?

Each scenario gets a fresh broker, publishes a known set of listings, runs two
workers in one consumer group, injects its fault mid-stream, and reconciles
the outputs by listing id: ``lost`` (neither a decision nor a dead letter),
``duplicate_decisions`` (extra records with a decision id already seen; allowed
under at-least-once, and recognisable by that id) and ``recovery_s`` (from the
fault to the last listing accounted for).

``downstream_stall`` (benchmarks/stall.py) also audits the group's commits while
listings.decisions refuses writes.

With ``--cluster 3`` every scenario runs on a three-node cluster (replication
factor 3, ``min.insync.replicas=2``), where the scenarios of
benchmarks/cluster_faults.py (``leader_kill``, ``broker_hang``,
``controller_failover``, ``rolling_restart``, ``isr_shrink``) are possible too.
``--guarantee exactly_once`` runs the workers with Kafka transactions, and allows
``transaction_timeout`` (benchmarks/transaction_timeout.py: a worker hung until
the broker aborts its open transaction); outputs are always read
``read_committed``, as a downstream service reads them. Every
scenario also reports ``longest_stall_s``: the longest time within its recovery
in which no output was added.

    python -m benchmarks.faults --json reports/faults.json [--scenarios worker_kill,poison_mix]
    python -m benchmarks.faults --cluster 3 --scenarios leader_kill,isr_shrink [--guarantee exactly_once]
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from agents.commands.demo import collect
from agents.commands.publish import publish_listings_sync
from agents.kafka.broker import LocalBroker
from agents.kafka.clients import create_topics, wait_for_group
from agents.kafka.cluster import LocalCluster
from agents.processes import first_exit, spawned, worker_command
from agents.worker.transactional import REFETCHED
from benchmarks.chaos import CHAOS_SETTINGS, rebalance_chaos
from benchmarks.cluster_faults import (
    ProgressWatch,
    broker_hang,
    controller_failover,
    isr_shrink,
    leader_kill,
    rolling_restart,
)
from benchmarks.common import benchmark_parser, log_dir, worker_env, write_report
from benchmarks.stage import Stage
from benchmarks.stall import downstream_stall
from benchmarks.transaction_timeout import SETTINGS as TRANSACTION_TIMEOUT_SETTINGS
from benchmarks.transaction_timeout import transaction_timeout
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
    cluster: bool = False  # needs a three-node cluster (benchmarks/cluster_faults.py)
    transactional: bool = False  # needs --guarantee exactly_once (benchmarks/transaction_timeout.py)


SCENARIOS: dict[str, Scenario] = {
    "worker_kill": Scenario(worker_kill),
    "worker_term": Scenario(worker_term),
    "rebalance_storm": Scenario(rebalance_storm),
    "poison_mix": Scenario(poison_mix, Mix(malformed=0.10)),
    "broker_restart": Scenario(broker_restart),
    "downstream_stall": Scenario(downstream_stall),
    "rebalance_chaos": Scenario(rebalance_chaos, settings=CHAOS_SETTINGS),
    "transaction_timeout": Scenario(transaction_timeout, settings=TRANSACTION_TIMEOUT_SETTINGS, transactional=True),
    "leader_kill": Scenario(leader_kill, cluster=True),
    "broker_hang": Scenario(broker_hang, cluster=True),
    "controller_failover": Scenario(controller_failover, cluster=True),
    "rolling_restart": Scenario(rolling_restart, cluster=True),
    "isr_shrink": Scenario(isr_shrink, cluster=True),
}
GUARANTEES = ("at_least_once", "exactly_once")


def runnable(brokers: int, guarantee: str) -> list[str]:
    """The scenarios that ``brokers`` nodes and the workers' ``guarantee`` allow."""
    return [name for name, scenario in SCENARIOS.items()
            if (brokers >= 3 or not scenario.cluster) and (guarantee == "exactly_once" or not scenario.transactional)]


def run_scenario(name: str, listings: int, seed: int, rate: float, logs: Path | None = None, brokers: int = 1,
                 guarantee: str = "at_least_once", cluster: LocalCluster | None = None) -> dict[str, Any]:
    """One scenario on a fresh broker (or a fresh cluster of ``brokers`` nodes), or on ``cluster``,
    which is left running (a test module's); the workers' logs go to ``logs`` if given (kept), else
    to a temporary directory."""
    fault, mix, settings, needs_cluster, transactional = SCENARIOS[name]
    if cluster is not None:
        brokers = len(cluster.nodes)
    if needs_cluster and brokers < 3:
        raise ValueError(f"{name} needs a three-node cluster (brokers=3)")
    if transactional and guarantee != "exactly_once":
        raise ValueError(f"{name} needs transactions (guarantee='exactly_once')")
    broker: LocalBroker | LocalCluster = cluster or (LocalBroker(Settings.load()) if brokers == 1 else
                                                     LocalCluster(Settings.load(), brokers))
    handle = broker.handle if cluster is not None else broker.start()
    try:
        bootstrap = handle.bootstrap_servers
        replication = min(brokers, 3)
        env = worker_env(bootstrap, "fault", **{"roles": "scan", "replication_factor": str(replication),
                                                "processing_guarantee": guarantee, **settings})
        group = env["COUNTERSCAN_SCAN_GROUP_ID"]
        asyncio.run(create_topics(bootstrap, replication))
        run = group.rsplit("-", 1)[-1]  # listing ids of their own, should the cluster hold earlier runs' listings
        items = ListingGenerator(seed, id_prefix=f"{name}-{run}-", mix=mix).take(listings)
        reconciliation = Reconciliation({i.listing_id for i in items})
        with log_dir(logs, name) as scratch, \
                spawned([worker_command(), worker_command()], env, Path(scratch)) as workers:
            stage = Stage(broker, bootstrap, group, workers, env, Path(scratch), seed)
            asyncio.run(wait_for_group(bootstrap, group, 2, exited=lambda: first_exit(workers)))
            # listings keep arriving while the fault happens: published at a steady rate in the background
            # a feed that rides out a cluster outage (isr_shrink) rather than failing after 40 s
            feeder = threading.Thread(target=publish_listings_sync, args=(bootstrap, items),
                                      kwargs={"rate": rate, "wait_s": 300.0 if brokers > 1 else None}, daemon=True)
            feeder.start()
            # wait until a third is decided (a throwaway tally: the final one re-reads from the start)
            asyncio.run(collect(bootstrap, _Until(Reconciliation(reconciliation.expected), listings // 3),
                                stall_timeout_s=120))
            with ProgressWatch(bootstrap) as progress:
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
            logged = "".join(path.read_text(errors="replace") for path in Path(scratch).glob("*.log"))
        summary = reconciliation.summary()
        return {
            "listings_in": summary["listings_in"], "decided": summary["decisions"],
            "deadlettered": summary["deadletter"], "lost": summary["lost"],
            "duplicate_decisions": summary["duplicates"], "recovery_s": round(done_at - fault_at, 2),
            "longest_stall_s": progress.longest_stall(fault_at, done_at), "brokers": brokers, "guarantee": guarantee,
            # the workers' own account of the fault: outputs (or transactions) refused and redone, and
            # batches fetched during a failed transaction that were dropped and fetched again
            "outputs_refused_logged": logged.count("output refused"), "batches_refetched_logged": logged.count(REFETCHED),
            **stage.notes,
        }
    finally:
        if cluster is None:
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
    parser.add_argument("--logs", type=Path, default=None, help="keep the workers' logs here, a folder per scenario")
    parser.add_argument("--scenarios", default=None,
                        help=f"comma-separated, of {', '.join(SCENARIOS)} "
                             "(default: every one the cluster and the guarantee allow)")
    parser.add_argument("--cluster", type=int, choices=(1, 3), default=1,
                        help="brokers: 1, or a three-node cluster (replication factor 3, min.insync.replicas=2)")
    parser.add_argument("--guarantee", choices=GUARANTEES, default="at_least_once",
                        help="processing guarantee of the workers (default at_least_once)")
    args = parser.parse_args(argv)
    names = args.scenarios.split(",") if args.scenarios else runnable(args.cluster, args.guarantee)
    report: dict[str, Any] = {}
    for name in names:
        print(f"{name} ...", file=sys.stderr)
        report[name] = run_scenario(name, args.listings, args.seed, args.rate, args.logs, args.cluster, args.guarantee)
    rows = [(f"{name}: {key}", value) for name, result in report.items() for key, value in result.items()]
    write_report(report, args.json, rows)
    return 0 if all(r["lost"] == 0 for r in report.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
