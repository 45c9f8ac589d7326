"""A real three-node Apache Kafka cluster (KRaft) on 127.0.0.1, for the faults one broker cannot have.

On one broker a broker failure is a full outage and replication never happens,
so the failures production Kafka actually has (a leader dying mid-write, a
broker that hangs without dying, the active controller going, a rolling
restart, the in-sync replicas shrinking below ``min.insync.replicas``) need
several nodes. Each node is a combined broker and controller; the three
controllers form the metadata quorum; every topic is replicated three times
with ``min.insync.replicas=2`` (``cluster.properties.template``). Each node
stops, hangs and restarts on its own data directory, so a scenario can do to
one node what production does to one machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from string import Template

from aiokafka.admin import AIOKafkaAdminClient

from agents.kafka.broker import KAFKA_RESOURCES, BrokerHandle, LocalBroker, new_cluster_id
from agents.kafka.probe import BrokerError, broker_metadata
from agents.processes import die_with_parent, distinct_ports, terminate
from pipeline.settings import Settings

CLUSTER_REPLICATION = 3  # replicas of every topic on the cluster; min.insync.replicas is 2


class ClusterNode(LocalBroker):
    """One node of a :class:`LocalCluster`: its own ports, data directory and JVM."""

    def __init__(self, settings: Settings, node_id: int, data_dir: Path, ports: tuple[int, int], voters: str,
                 ephemeral: bool, retention_check_ms: int) -> None:
        super().__init__(settings, data_dir=data_dir, ephemeral=ephemeral, port=ports[0])
        self.node_id = node_id
        self.controller_port = ports[1]
        self.voters = voters
        self.retention_check_ms = retention_check_ms
        self._bootstrap = f"127.0.0.1:{ports[0]}"
        self.paused = False

    def _write_config(self) -> Path:
        template = Template((KAFKA_RESOURCES / "cluster.properties.template").read_text())
        config = self.data_dir / "server.properties"
        config.write_text(template.substitute(
            node_id=self.node_id, voters=self.voters, broker_port=self.port, controller_port=self.controller_port,
            log_dir=self.data_dir / "log", retention_check_ms=self.retention_check_ms))
        return config

    def format(self, cluster_id: str) -> None:
        self._config = self._write_config()
        fmt = subprocess.run(self._java_command("kafka.tools.StorageTool", "format", "-t", cluster_id,
                                                "-c", str(self._config)), capture_output=True, text=True)
        if fmt.returncode != 0:
            raise BrokerError(f"formatting KRaft storage of node {self.node_id} failed:\n{fmt.stdout}\n{fmt.stderr}")

    def spawn(self) -> None:
        """Start the JVM without waiting: a node of a quorum answers only once a majority runs."""
        with open(self.data_dir / "broker.out", "ab") as log:
            self.process = subprocess.Popen(
                self._java_command("kafka.Kafka", str(self._config)),
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                preexec_fn=die_with_parent if self.ephemeral else None,
            )
        self.paused = False

    def halt(self, kill: bool = False) -> None:
        """Stop the JVM: a controlled shutdown (leadership moves first), or SIGKILL mid-write."""
        if self.process is None:
            return
        if self.paused:
            self.resume()
        if kill:
            self.process.kill()
            self.process.wait(30)
        else:
            terminate(self.process.pid, 60.0, self.process)
        self.process = None

    def pause(self) -> None:
        """SIGSTOP: the JVM keeps its sockets open and answers nothing (a gray failure)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)
        self.paused = False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def quorum_state(self) -> dict[str, int]:
        """This node's view of the metadata quorum (leaderId, leaderEpoch), as KRaft stores it."""
        path = self.data_dir / "log" / "__cluster_metadata-0" / "quorum-state"
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        return {"leaderId": int(data.get("leaderId", -1)), "leaderEpoch": int(data.get("leaderEpoch", -1))}


class LocalCluster:
    """Three (or ``brokers``) KRaft nodes on free ports of 127.0.0.1, started and stopped together,
    each also on its own. Used as a context manager it yields its handle and stops every node."""

    def __init__(self, settings: Settings, brokers: int = 3, *, data_root: Path | None = None,
                 ephemeral: bool = True, retention_check_ms: int = 300_000) -> None:
        if brokers < 1:
            raise ValueError("a cluster needs at least one broker")
        self.settings = settings
        self.ephemeral = ephemeral
        self._own_root = data_root is None
        self.data_root = data_root or Path(tempfile.mkdtemp(prefix="counterscan-cluster-"))
        ports = distinct_ports(*([None] * (2 * brokers)))
        voters = ",".join(f"{i + 1}@127.0.0.1:{ports[2 * i + 1]}" for i in range(brokers))
        self.nodes = [
            ClusterNode(settings, i + 1, self._node_dir(i + 1), (ports[2 * i], ports[2 * i + 1]), voters, ephemeral,
                        retention_check_ms)
            for i in range(brokers)
        ]
        self.bootstrap = ",".join(node._bootstrap for node in self.nodes)
        self.version = "apache-kafka (not started)"

    def _node_dir(self, node_id: int) -> Path:
        path = self.data_root / f"node-{node_id}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def pid(self) -> int | None:
        """The first running node's JVM (what the single-broker benchmarks account)."""
        return next((node.process.pid for node in self.nodes if node.running and node.process), None)

    def start(self, timeout_s: float = 120.0) -> BrokerHandle:
        cluster_id = new_cluster_id()
        for node in self.nodes:
            node.format(cluster_id)
        for node in self.nodes:
            node.spawn()
        try:
            self.wait_ready(timeout_s)
        except BaseException:
            self.stop()
            raise
        self.version = self.nodes[0]._read_version()
        return self.handle

    @property
    def handle(self) -> BrokerHandle:
        pids = tuple(node.process.pid for node in self.nodes if node.process is not None)
        return BrokerHandle(pids[0] if pids else -1, self.bootstrap, str(self.data_root), self.version,
                            node_pids=pids)

    def wait_ready(self, timeout_s: float = 120.0, nodes: Iterable[ClusterNode] | None = None) -> None:
        """Until every running node (or ``nodes``) answers Metadata listing every running node:
        registered with the controller, unfenced, able to lead."""
        deadline = time.monotonic() + timeout_s
        expected = sum(node.running and not node.paused for node in self.nodes)
        waiting = list(nodes) if nodes is not None else [n for n in self.nodes if n.running and not n.paused]
        problem = "not asked yet"
        while time.monotonic() < deadline:
            for node in waiting:
                if node.process is not None and node.process.poll() is not None:
                    raise BrokerError(f"node {node.node_id} exited with code {node.process.returncode}; "
                                      f"see {node.log_file}")
            try:
                counts = [asyncio.run(broker_metadata(node._bootstrap, 2.0)) for node in waiting]
                if all(count >= expected for count in counts):
                    return
                problem = f"brokers seen {counts}, expected {expected}"
            except Exception as exc:  # not up yet
                problem = str(exc) or type(exc).__name__
            time.sleep(0.3)
        raise BrokerError(f"cluster {self.bootstrap} not ready in {timeout_s:.0f}s: {problem}")

    def node(self, node_id: int) -> ClusterNode:
        return self.nodes[node_id - 1]

    def stop_node(self, node_id: int, kill: bool = False) -> None:
        self.node(node_id).halt(kill)

    def start_node(self, node_id: int, timeout_s: float = 120.0) -> None:
        """Start a stopped node again on its own data directory and ports."""
        node = self.node(node_id)
        node.spawn()
        self.wait_ready(timeout_s, [node])

    def restart_node(self, node_id: int, kill: bool = False, down_s: float = 0.0, timeout_s: float = 120.0) -> None:
        self.stop_node(node_id, kill)
        time.sleep(down_s)
        self.start_node(node_id, timeout_s)

    def restart(self, kill: bool = False, down_s: float = 0.0, timeout_s: float = 120.0) -> BrokerHandle:
        """Every node, one after another, each back in sync before the next goes (a rolling restart)."""
        for node in self.nodes:
            self.restart_node(node.node_id, kill, down_s, timeout_s)
            self.wait_in_sync(timeout_s)
        return self.handle

    def active_controller(self) -> int:
        """The node leading the metadata quorum, by the highest epoch any running node recorded."""
        states = [node.quorum_state() for node in self.nodes if node.running]
        best = max((s for s in states if s), key=lambda s: s["leaderEpoch"], default={})
        return int(best.get("leaderId", -1))

    async def _describe(self, topics: list[str]) -> list[dict[str, object]]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self._live_bootstrap(), request_timeout_ms=10_000)
        await admin.start()
        try:
            return list(await admin.describe_topics(topics))
        finally:
            await admin.close()

    def _live_bootstrap(self) -> str:
        live = [node._bootstrap for node in self.nodes if node.running and not node.paused]
        return ",".join(live) or self.bootstrap

    def leaders(self, topics: list[str]) -> Counter[int]:
        """How many partitions of ``topics`` each node leads."""
        counts: Counter[int] = Counter()
        for topic in asyncio.run(self._describe(topics)):
            for partition in topic["partitions"]:  # type: ignore[union-attr]
                counts[int(partition["leader"])] += 1
        return counts

    def under_replicated(self, topics: list[str] | None = None) -> int:
        """Partitions whose in-sync replicas are fewer than their replicas."""
        async def count() -> int:
            admin = AIOKafkaAdminClient(bootstrap_servers=self._live_bootstrap(), request_timeout_ms=10_000)
            await admin.start()
            try:
                names = topics if topics is not None else list(await admin.list_topics())
                described = await admin.describe_topics(names)
            finally:
                await admin.close()
            return sum(len(p["isr"]) < len(p["replicas"]) for t in described for p in t["partitions"])
        return asyncio.run(count())

    def wait_in_sync(self, timeout_s: float = 120.0) -> None:
        """Until no partition is under-replicated: the next node may go without risking min.insync."""
        deadline = time.monotonic() + timeout_s
        while (lagging := self.under_replicated()) > 0:
            if time.monotonic() > deadline:
                raise BrokerError(f"{lagging} partitions still under-replicated after {timeout_s:.0f}s")
            time.sleep(0.5)

    def stop(self, timeout_s: float = 15.0) -> None:
        """Every node at once: one by one, the last nodes would wait on a quorum already gone."""
        running = [node for node in self.nodes if node.process is not None]
        for node in running:
            if node.paused:
                node.resume()
            node.process.terminate()  # type: ignore[union-attr]
        deadline = time.monotonic() + timeout_s
        for node in running:
            try:
                node.process.wait(max(0.1, deadline - time.monotonic()))  # type: ignore[union-attr]
            except subprocess.TimeoutExpired:
                node.process.kill()  # type: ignore[union-attr]
                node.process.wait(30)  # type: ignore[union-attr]
            node.process = None
        if self._own_root and self.ephemeral:
            shutil.rmtree(self.data_root, ignore_errors=True)

    def __enter__(self) -> BrokerHandle:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
