"""Fault scenarios that need a three-node cluster: what production Kafka really does to a worker.

Kafka's own system tests and the published Jepsen analyses of Kafka exercise
these: the leader of most hot partitions dies mid-write (``leader_kill``), a
broker hangs without dying, past its session timeout, then resumes
(``broker_hang``: a gray failure, its sockets stay open), the active controller
dies (``controller_failover``), every node restarts one at a time while
listings flow (``rolling_restart``), and two of three nodes go so that no write
can reach ``min.insync.replicas=2`` (``isr_shrink``): the producers must block
or fail rather than see an under-replicated write acknowledged, the workers
must not commit past it, and everything resumes once a node returns. The
commits of the group are sampled through that window and audited afterwards as
``downstream_stall`` audits them.

Each fault brings the cluster back to three in-sync nodes before it returns, so
the scenario's reconciliation runs on a healthy cluster.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from benchmarks.stall import SAMPLE_EVERY_S, Sample, commits_past_outputs, sample_commits
from pipeline import topics
from pipeline.settings import SESSION_TIMEOUT_MS

if TYPE_CHECKING:
    from agents.kafka.cluster import LocalCluster
    from benchmarks.stage import Stage

HOT = [topics.LISTINGS_RAW.name, topics.DECISIONS.name]
DOWN_S = 10.0  # a killed node stays down this long before it starts again
HANG_S = SESSION_TIMEOUT_MS / 1000 + 5.0  # longer than both the group's and the controller's session timeouts
SHRINK_S = 15.0  # two nodes down: nothing can be written
SAMPLE_TIMEOUT_S = 5.0


def _cluster(stage: Stage) -> LocalCluster:
    from agents.kafka.cluster import LocalCluster

    if not isinstance(stage.broker, LocalCluster):
        raise RuntimeError("this scenario needs a cluster: run it with --cluster 3")
    return stage.broker


def busiest_leader(cluster: LocalCluster) -> int:
    """The node leading most partitions of listings.raw and listings.decisions together."""
    leaders = cluster.leaders(HOT)
    return max(sorted(leaders), key=lambda node: leaders[node])


def leader_kill(stage: Stage) -> None:
    cluster = _cluster(stage)
    victim = busiest_leader(cluster)
    stage.notes.update(killed_node=victim, killed_node_led=cluster.leaders(HOT)[victim])
    cluster.stop_node(victim, kill=True)
    time.sleep(DOWN_S)
    cluster.start_node(victim)
    cluster.wait_in_sync()


def broker_hang(stage: Stage) -> None:
    cluster = _cluster(stage)
    victim = busiest_leader(cluster)
    stage.notes.update(hung_node=victim, hang_s=HANG_S)
    cluster.node(victim).pause()
    time.sleep(HANG_S)
    cluster.node(victim).resume()
    cluster.wait_ready()
    cluster.wait_in_sync()


def controller_failover(stage: Stage) -> None:
    cluster = _cluster(stage)
    victim = cluster.active_controller()
    cluster.stop_node(victim, kill=True)
    deadline = time.monotonic() + 30
    while cluster.active_controller() in (victim, -1) and time.monotonic() < deadline:
        time.sleep(0.2)
    stage.notes.update(killed_controller=victim, new_controller=cluster.active_controller())
    time.sleep(DOWN_S)
    cluster.start_node(victim)
    cluster.wait_in_sync()


def rolling_restart(stage: Stage) -> None:
    cluster = _cluster(stage)
    started = time.monotonic()
    cluster.restart(kill=False)  # each node stops cleanly, returns, and catches up before the next goes
    stage.notes["rolling_restart_s"] = round(time.monotonic() - started, 2)


def isr_shrink(stage: Stage) -> None:
    cluster = _cluster(stage)
    samples: list[Sample] = []
    done = threading.Event()
    sampler = threading.Thread(target=lambda: asyncio.run(_sample(cluster, stage.group, samples, done)), daemon=True)
    sampler.start()
    keep = cluster.active_controller()
    down = [node.node_id for node in cluster.nodes if node.node_id != keep][:2]
    try:
        for node_id in down:
            cluster.stop_node(node_id, kill=True)
        time.sleep(SHRINK_S)
        cluster.start_node(down[0])  # two of three: the quorum and min.insync.replicas are met again
        time.sleep(5.0)
        cluster.start_node(down[1])
        cluster.wait_in_sync()
    finally:
        done.set()
        sampler.join()
    stage.notes.update(shrink_nodes_down=down, shrink_s=SHRINK_S)
    stage.after.append(lambda: stage.notes.update(
        shrink_commit_samples=len(samples),
        shrink_commits_past_outputs=len(commits_past_outputs(stage.bootstrap, samples)) if samples else 0,
        shrink_workers_exited=sum(w.poll() is not None for w in stage.workers)))


async def _sample(cluster: LocalCluster, group: str, samples: list[Sample], done: threading.Event) -> None:
    """Commits and output ends while nodes come and go; a sample the cluster cannot answer is skipped."""
    while not done.is_set():
        admin = AIOKafkaAdminClient(bootstrap_servers=cluster._live_bootstrap(), request_timeout_ms=4000)
        consumer = AIOKafkaConsumer(bootstrap_servers=cluster._live_bootstrap(), request_timeout_ms=4000)
        try:
            await asyncio.wait_for(admin.start(), SAMPLE_TIMEOUT_S)
            await asyncio.wait_for(consumer.start(), SAMPLE_TIMEOUT_S)
            samples.append(await asyncio.wait_for(sample_commits(admin, consumer, group), SAMPLE_TIMEOUT_S))
        except Exception:  # a node down, no coordinator, no quorum: nothing to sample this round
            pass
        finally:
            await consumer.stop()
            await admin.close()
        await asyncio.sleep(SAMPLE_EVERY_S)


class ProgressWatch:
    """Samples the output topics' end offsets twice a second in a thread of its own: the longest
    time outputs did not advance (``longest_stall``) between the fault and the last outcome."""

    def __init__(self, bootstrap: str, every_s: float = 0.5) -> None:
        self.bootstrap = bootstrap
        self.every_s = every_s
        self.points: list[tuple[float, int]] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def __enter__(self) -> ProgressWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    async def _run(self) -> None:
        outputs = [TopicPartition(spec.name, p) for spec in (topics.DECISIONS, topics.DEADLETTER)
                   for p in range(spec.partitions)]
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, request_timeout_ms=3000)
        await consumer.start()
        try:
            while not self._done.is_set():
                try:
                    ends = await asyncio.wait_for(consumer.end_offsets(outputs), 3.0)
                    self.points.append((time.monotonic(), sum(ends.values())))
                except Exception:  # unanswered while nodes are down: the stall goes on
                    pass
                await asyncio.sleep(self.every_s)
        finally:
            await consumer.stop()

    def longest_stall(self, start: float, end: float) -> float:
        """Longest span within [start, end] in which no output was added."""
        changes = [start]
        last = None
        for at, total in self.points:
            if last is not None and total != last and start <= at <= end:
                changes.append(at)
            last = total
        changes.append(end)
        return round(max(b - a for a, b in zip(changes, changes[1:])), 2)
