"""A real Apache Kafka broker (KRaft, one node) started from Maven-resolved jars.

The same launcher serves ``make demo``, the test fixtures, the benchmarks and
``counterscan broker start|stop|status``, so every path exercises one broker
setup. Ephemeral brokers die with the process that started them (Linux
parent-death signal), so a crashed test run leaves no JVM behind.

What the broker reads besides its jars (the properties template, the log4j2
configuration, the Maven project that resolves the jars) lives in
``agents/kafka/resources/`` and ships in the wheel, so an installed counterscan
starts the same broker as a checkout; the jars come from
``COUNTERSCAN_KAFKA_LIBS`` or ``<cache_dir>/kafka-libs``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shutil
import ssl
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from string import Template
from typing import Any, NamedTuple

from agents.kafka.probe import BrokerError, metadata_problem, wait_until_ready
from agents.processes import alive, die_with_parent, distinct_ports, terminate
from pipeline.settings import Settings

KAFKA_RESOURCES = Path(__file__).resolve().parent / "resources"  # package data, in a checkout and in the wheel
VERSION_LINE = re.compile(r"Kafka version: (\S+)")


@dataclass(frozen=True, slots=True)
class SaslSslListener:
    """A client listener like a secured production cluster's: TLS, then SCRAM-SHA-512.

    The SCRAM user is written into the cluster metadata when storage is formatted,
    so it exists before the broker answers its first request. Inter-broker and
    controller traffic stay on PLAINTEXT, on 127.0.0.1 only."""

    username: str
    password: str
    keystore: Path  # PKCS12 holding the broker's key and its certificate for 127.0.0.1
    keystore_password: str
    cafile: Path  # the CA that signed it; the launcher checks the listener with it before handing it out
    port: int | None = None

    def __post_init__(self) -> None:
        for name in ("username", "password", "keystore_password"):
            value = getattr(self, name)
            if not value or any(c in value for c in '"\\\n\r'):
                raise ValueError(f"SASL_SSL listener {name} must be non-empty, without quotes, backslashes or newlines")

    def client_security(self) -> dict[str, object]:
        """aiokafka options that authenticate as the listener's SCRAM user."""
        return {
            "security_protocol": "SASL_SSL", "ssl_context": ssl.create_default_context(cafile=str(self.cafile)),
            "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
        }

    def __repr__(self) -> str:  # never print the passwords
        return f"SaslSslListener(username={self.username!r}, keystore={str(self.keystore)!r}, port={self.port!r})"


@dataclass(frozen=True, slots=True)
class BrokerHandle:
    """Where a running local broker lives; written to the state file for ``broker stop``."""

    pid: int
    bootstrap_servers: str
    data_dir: str
    version: str
    sasl_ssl_bootstrap_servers: str | None = None  # only when a SASL_SSL listener was asked for
    node_pids: tuple[int, ...] = ()  # every node's JVM, for a local cluster (agents/kafka/cluster.py)

    @property
    def log_file(self) -> Path:
        return Path(self.data_dir) / "broker.out"


def ensure_kafka_jars(settings: Settings) -> Path:
    """Resolve the broker jars with Maven unless they are already in ``settings.kafka_libs_dir``."""
    libs = settings.kafka_libs_dir
    if any(libs.glob("kafka_2.13-*.jar")):
        return libs
    if shutil.which("mvn") is None:
        raise BrokerError(f"no Kafka jars in {libs}: point COUNTERSCAN_KAFKA_LIBS at a directory of them, "
                          "or install Maven (mvn) to fetch Apache Kafka from Maven Central")
    libs.mkdir(parents=True, exist_ok=True)
    cmd = [
        "mvn", "-q", "-B", "-f", str(KAFKA_RESOURCES / "pom.xml"),
        "dependency:copy-dependencies", f"-Dkafka.libs={libs}",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0 or not any(libs.glob("kafka_2.13-*.jar")):
        raise BrokerError(f"Maven could not resolve Apache Kafka:\n{result.stdout}\n{result.stderr}")
    return libs


def sasl_ssl_settings(listener: SaslSslListener) -> str:
    """Broker properties of the SASL_SSL listener, all scoped to it by the listener.name prefix."""
    prefix = "listener.name.sasl_ssl."
    return "\n".join([
        "# clients: TLS with the broker's PKCS12 keystore, then SCRAM-SHA-512",
        f"{prefix}sasl.enabled.mechanisms=SCRAM-SHA-512",
        f"{prefix}scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
        f"{prefix}ssl.keystore.type=PKCS12",
        f"{prefix}ssl.keystore.location={listener.keystore}",
        f"{prefix}ssl.keystore.password={listener.keystore_password}",
        f"{prefix}ssl.client.auth=none",
    ]) + "\n"


def new_cluster_id() -> str:
    """A Kafka Uuid in its base64 form (22 url-safe characters, never leading '-')."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


class LocalBroker:
    """Formats storage, starts the JVM, waits for Metadata, stops it cleanly."""

    def __init__(self, settings: Settings, *, data_dir: Path | None = None, ephemeral: bool = True,
                 port: int | None = None, sasl_ssl: SaslSslListener | None = None) -> None:
        self.settings = settings
        self.ephemeral = ephemeral
        self.port = port
        self.sasl_ssl = sasl_ssl
        self._sasl_ssl_bootstrap: str | None = None
        self._own_data_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="counterscan-kafka-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.handle: BrokerHandle | None = None

    def _java_command(self, main: str, *args: str) -> list[str]:
        libs = ensure_kafka_jars(self.settings)
        java = shutil.which("java") or "java"
        return [
            java, f"-Xms{self.settings.kafka_heap}", f"-Xmx{self.settings.kafka_heap}",
            "-XX:+UseG1GC", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={KAFKA_RESOURCES / 'log4j2.properties'}",
            "-cp", f"{libs}/*", main, *args,
        ]

    def _write_config(self) -> Path:
        broker_port, controller_port, sasl_ssl_port = distinct_ports(
            self.port, None, self.sasl_ssl.port if self.sasl_ssl is not None else None)
        template = Template((KAFKA_RESOURCES / "server.properties.template").read_text())
        config = self.data_dir / "server.properties"
        listener, listener_settings = "", ""
        if self.sasl_ssl is not None:
            listener = f",SASL_SSL://127.0.0.1:{sasl_ssl_port}"
            listener_settings = sasl_ssl_settings(self.sasl_ssl)
            self._sasl_ssl_bootstrap = f"127.0.0.1:{sasl_ssl_port}"
        config.write_text(template.substitute(
            broker_port=broker_port, controller_port=controller_port,
            log_dir=self.data_dir / "log", sasl_ssl_listener=listener, sasl_ssl_settings=listener_settings,
        ))
        self._bootstrap = f"127.0.0.1:{broker_port}"
        return config

    def start(self, timeout_s: float = 90.0) -> BrokerHandle:
        config = self._write_config()
        scram = []
        if self.sasl_ssl is not None:
            scram = ["--add-scram",
                     f'SCRAM-SHA-512=[name="{self.sasl_ssl.username}",password="{self.sasl_ssl.password}"]']
        fmt = subprocess.run(
            self._java_command("kafka.tools.StorageTool", "format", "-t", new_cluster_id(), "-c", str(config),
                               *scram),
            capture_output=True, text=True,
        )
        if fmt.returncode != 0:
            raise BrokerError(f"formatting KRaft storage failed:\n{fmt.stdout}\n{fmt.stderr}")
        self._config = config
        return self._launch(timeout_s)

    def restart(self, kill: bool = False, down_s: float = 0.0, timeout_s: float = 90.0) -> BrokerHandle:
        """Stop the JVM (cleanly, or SIGKILL) and start it again on the same data and ports."""
        if self.process is not None:
            if kill:
                self.process.kill()
                self.process.wait(30)
            else:
                terminate(self.process.pid, 30.0, self.process)
            self.process = None
        time.sleep(down_s)
        return self._launch(timeout_s)

    def _launch(self, timeout_s: float) -> BrokerHandle:
        with open(self.data_dir / "broker.out", "ab") as log:
            self.process = subprocess.Popen(
                self._java_command("kafka.Kafka", str(self._config)),
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_parent if self.ephemeral else None,
            )
        try:
            wait_until_ready(self._bootstrap, timeout_s, self.process)
            if self.sasl_ssl is not None and self._sasl_ssl_bootstrap is not None:
                wait_until_ready(self._sasl_ssl_bootstrap, timeout_s, self.process, self.sasl_ssl.client_security())
        except BaseException:
            self.stop()
            raise
        self.handle = BrokerHandle(self.process.pid, self._bootstrap, str(self.data_dir), self._read_version(),
                                   self._sasl_ssl_bootstrap)
        return self.handle

    def _read_version(self) -> str:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            match = VERSION_LINE.search((self.data_dir / "broker.out").read_text(errors="replace"))
            if match:
                return f"apache-kafka {match.group(1)}"
            time.sleep(0.1)
        return "apache-kafka (version not logged)"

    def stop(self, timeout_s: float = 30.0) -> None:
        if self.process is not None:
            terminate(self.process.pid, timeout_s, self.process)
            self.process = None
        if self._own_data_dir and self.ephemeral:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> BrokerHandle:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Cluster(NamedTuple):
    """The Kafka cluster a run uses: the demo, the benchmarks and the integration tests all
    need it, whether it is the configured one or a broker started for the run."""

    bootstrap: str
    description: str  # "external cluster", or the local broker's Kafka version
    pid: int | None  # the local broker's JVM (the benchmarks account its CPU); None for an external cluster


@contextlib.contextmanager
def local_or_configured(settings: Settings) -> Iterator[Cluster]:
    """The configured cluster (``settings.bootstrap_servers``), else a fresh local broker (or cluster of
    ``settings.brokers`` nodes, see :func:`local_replication`), stopped afterwards."""
    if settings.bootstrap_servers:
        yield Cluster(settings.bootstrap_servers, "external cluster", None)
        return
    broker: Any = LocalBroker(settings)  # or a LocalCluster: both start, stop and hand out a BrokerHandle
    if settings.brokers > 1:
        from agents.kafka.cluster import LocalCluster

        broker = LocalCluster(settings, settings.brokers)
    handle = broker.start()
    try:
        yield Cluster(handle.bootstrap_servers, handle.version, handle.pid)
    finally:
        broker.stop()


def local_replication(settings: Settings) -> int:
    """Replicas of the topics a run creates: the setting, or three on a local cluster of three or more."""
    if settings.bootstrap_servers:
        return settings.replication_factor
    return max(settings.replication_factor, min(settings.brokers, 3))


# --- a detached broker for `counterscan broker start|stop|status` -----------------------

def start_detached(settings: Settings) -> BrokerHandle:
    existing = read_state(settings)
    if existing is not None and alive(existing.pid, None):
        return existing
    data_dir = settings.cache_dir / "broker" / "data"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    if settings.brokers > 1:
        from agents.kafka.cluster import LocalCluster

        handle = LocalCluster(settings, settings.brokers, data_root=data_dir, ephemeral=False).start()
    else:
        handle = LocalBroker(settings, data_dir=data_dir, ephemeral=False).start()
    settings.broker_state_file.write_text(json.dumps(asdict(handle), indent=2))
    return handle


def read_state(settings: Settings) -> BrokerHandle | None:
    try:
        state = json.loads(settings.broker_state_file.read_text())
        return BrokerHandle(**{**state, "node_pids": tuple(state.get("node_pids", ()))})
    except (OSError, ValueError, TypeError):
        return None


def stop_detached(settings: Settings) -> BrokerHandle | None:
    handle = read_state(settings)
    if handle is None:
        return None
    for pid in handle.node_pids or (handle.pid,):
        terminate(pid, 30.0)
    shutil.rmtree(handle.data_dir, ignore_errors=True)
    settings.broker_state_file.unlink(missing_ok=True)
    return handle


def detached_status(settings: Settings) -> tuple[BrokerHandle | None, bool]:
    """The recorded broker, and whether it answers Metadata now."""
    handle = read_state(settings)
    if handle is None or not alive(handle.pid, None):
        return handle, False
    return handle, metadata_problem(handle.bootstrap_servers, 3.0) is None
