"""One typed settings object for every counterscan process.

Values come, in rising precedence, from field defaults, ``COUNTERSCAN_*``
environment variables and command-line flags, so a worker in Kubernetes (env
from a ConfigMap) and a developer at a shell (flags) read the same fields.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "COUNTERSCAN_"
PROJECT_ROOT = Path(__file__).resolve().parents[1]

SESSION_TIMEOUT_MS = 10_000  # aiokafka's default: a member silent this long leaves its group


# Settings in sections, as faust groups its own: a command's --help lists only the sections it uses.
SECTIONS = {
    "connection": "Kafka connection and security",
    "worker": "worker and consumer group",
    "tuning": "consumer and producer tuning",
    "scoring": "scoring and routing",
    "sellers": "seller policy",
    "notices": "takedown notices",
    "web": "web server, metrics and probes",
    "local": "local broker and caches",
    "logging": "logging",
}


def _setting(default: Any, help: str, section: str) -> Any:
    assert section in SECTIONS, section
    return field(default=default, metadata={"help": help, "section": section})


@dataclass(frozen=True, slots=True)
class ScoringSettings:
    """What scoring a listing depends on, and nothing else: a scanner is handed this section,
    never the connection settings (the SASL password has no business in a stage)."""

    max_record_bytes: int
    rules_version: str
    takedown_threshold: float
    review_threshold: float
    exchange_rates_file: Path | None
    model_file: Path | None
    notifier_name: str
    notifier_email: str


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of every counterscan process, in one frozen, validated object.

    Fields are flat so that each has one environment variable; :data:`SECTIONS` groups them
    for help and for handing a stage only its own section (:attr:`scoring`)."""

    bootstrap_servers: str | None = _setting(
        None, "Kafka bootstrap servers (host:port,...); unset means start a local broker", "connection")
    security_protocol: str = _setting("PLAINTEXT", "Kafka security protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL", "connection")
    sasl_mechanism: str = _setting("SCRAM-SHA-512", "SASL mechanism: SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN", "connection")
    sasl_username: str | None = _setting(None, "SASL user name", "connection")
    sasl_password: str | None = _setting(None, "SASL password (prefer the environment variable to the flag)", "connection")
    ssl_cafile: Path | None = _setting(None, "CA certificate file that signed the brokers' certificates", "connection")
    ssl_certfile: Path | None = _setting(None, "client certificate file, for brokers that demand one", "connection")
    ssl_keyfile: Path | None = _setting(None, "private key of the client certificate", "connection")
    app_id: str = _setting("counterscan", "Faust application id (prefix of its internal topics)", "worker")
    roles: str = _setting(
        "scan,feedback",
        "what a worker runs: scan (the listing hot path), feedback (outcomes into seller reputation), or both", "worker")
    scan_group_id: str = _setting(
        "counterscan-scan", "consumer group of the listing hot path; all workers share it", "worker")
    replication_factor: int = _setting(1, "replication factor of topics `counterscan topics create` makes", "worker")
    batch_max_records: int = _setting(2000, "most listings the hot path takes per batch", "tuning")
    max_inflight_batches: int = _setting(
        3, "scanned batches whose outputs may await acknowledgement while the next is scanned", "tuning")
    batch_timeout_ms: int = _setting(100, "longest wait for a batch to fill, in milliseconds", "tuning")
    heartbeat_interval_ms: int = _setting(
        1000, "how often a scan worker heartbeats its group; a member learns of a rebalance only then", "tuning")
    producer_linger_ms: int = _setting(5, "how long the producer waits to fill a batch", "tuning")
    producer_batch_bytes: int = _setting(524_288, "largest batch the producer sends to one partition", "tuning")
    fetch_max_bytes: int = _setting(67_108_864, "most bytes one fetch may return across partitions", "tuning")
    partition_fetch_bytes: int = _setting(8_388_608, "most bytes one fetch may return from one partition", "tuning")
    max_record_bytes: int = _setting(
        1_048_576, "raw listings larger than this are dead-lettered unread", "scoring")
    rules_version: str = _setting("rules-1", "version of the decision rules; part of decision ids", "scoring")
    # chosen with the model, by k-fold held-out figures on the hand-labeled corpus (see `counterscan train`)
    takedown_threshold: float = _setting(0.9, "default score at or above which a listing goes to takedown", "scoring")
    review_threshold: float = _setting(0.2, "default score at or above which a listing goes to review", "scoring")
    repeat_infringer_strikes: int = _setting(
        3, "confirmed counterfeit takedowns within the window that make a seller, or its network, a repeat infringer", "sellers")
    repeat_infringer_window_days: int = _setting(
        180, "days over which confirmed takedowns count towards the repeat-infringer policy", "sellers")
    exchange_rates_file: Path | None = _setting(
        None, "USD exchange rates (JSON) replacing the shipped table", "scoring")
    model_file: Path | None = _setting(
        None, "model file from `counterscan train`, replacing the shipped one", "scoring")
    notifier_name: str = _setting("counterscan brand protection", "who takedown notices name as the notifier", "notices")
    notifier_email: str = _setting("brand-protection@example.invalid", "where the notifier can be reached", "notices")
    lag_interval_s: float = _setting(5.0, "how often a scan worker reads its consumer lag, in seconds", "web")
    metrics_host: str = _setting("127.0.0.1", "interface of /metrics, /healthz and /readyz", "web")
    metrics_port: int = _setting(9108, "port of /metrics, /healthz and /readyz", "web")
    web_host: str = _setting("127.0.0.1", "interface of the worker's web server", "web")
    web_port: int = _setting(6066, "port of the worker's web server", "web")
    cache_dir: Path = _setting(
        PROJECT_ROOT / ".cache", "where broker jars, broker state and data directories live", "local")
    state_dir: Path | None = _setting(
        None, "where a worker keeps its table state (RocksDB); default <cache_dir>/state/<app_id>-<web_port>", "worker")
    kafka_heap: str = _setting("512m", "JVM heap of the local broker", "local")
    log_level: str = _setting("info", "log level of workers and tools", "logging")

    @property
    def scoring(self) -> ScoringSettings:
        return ScoringSettings(**{f.name: getattr(self, f.name) for f in dataclasses.fields(ScoringSettings)})

    @staticmethod
    def env(**values: object) -> dict[str, str]:
        """The ``COUNTERSCAN_*`` variables that give a child process these settings: the one way
        the demo, the tests and the benchmarks configure the workers they start."""
        names = {f.name for f in dataclasses.fields(Settings)}
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"no such settings: {sorted(unknown)}")
        return {ENV_PREFIX + name.upper(): str(value) for name, value in values.items() if value is not None}

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r.strip() for r in self.roles.split(",") if r.strip())

    @property
    def kafka_libs_dir(self) -> Path:
        return self.cache_dir / "kafka-libs"

    @property
    def worker_state_dir(self) -> Path:
        """One directory per worker: RocksDB allows a single process per database."""
        return self.state_dir or self.cache_dir / "state" / f"{self.app_id}-{self.web_port}"

    @property
    def broker_state_file(self) -> Path:
        return self.cache_dir / "broker" / "state.json"

    def __repr__(self) -> str:  # never print the SASL password
        shown = {f.name: ("***" if f.name == "sasl_password" and getattr(self, f.name) else getattr(self, f.name))
                 for f in dataclasses.fields(self)}
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``COUNTERSCAN_*`` variables, then non-None overrides."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = coerce(raw, setting_type(f.name))
        settings = cls(**values).replace(**overrides)
        settings.validate()
        return settings

    def validate(self) -> None:
        if not 0.0 < self.review_threshold <= self.takedown_threshold <= 1.0:
            raise ValueError(
                "thresholds must satisfy 0 < review_threshold <= takedown_threshold <= 1, got "
                f"review={self.review_threshold} takedown={self.takedown_threshold}"
            )
        if self.security_protocol not in {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}:
            raise ValueError(f"security_protocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, got {self.security_protocol!r}")
        if self.security_protocol.startswith("SASL") and not (self.sasl_username and self.sasl_password):
            raise ValueError(f"security_protocol {self.security_protocol} needs sasl_username and sasl_password")
        unknown = set(self.role_set) - {"scan", "feedback"}
        if unknown or not self.role_set:
            raise ValueError(f"roles must be scan, feedback or both, got {self.roles!r}")
        if self.batch_max_records < 1:
            raise ValueError("batch_max_records must be at least 1")
        if not 1 <= self.heartbeat_interval_ms < SESSION_TIMEOUT_MS:
            raise ValueError(f"heartbeat_interval_ms must be from 1 to {SESSION_TIMEOUT_MS - 1} (the group "
                             f"session timeout), got {self.heartbeat_interval_ms}")
        if not self.lag_interval_s > 0:
            raise ValueError(f"lag_interval_s must be above 0, got {self.lag_interval_s}")
        if self.repeat_infringer_strikes < 1 or self.repeat_infringer_window_days < 1:
            raise ValueError("repeat_infringer_strikes and repeat_infringer_window_days must be at least 1, got "
                             f"{self.repeat_infringer_strikes} and {self.repeat_infringer_window_days}")


def setting_type(name: str) -> type:
    """The concrete type of a field, with ``X | None`` unwrapped to ``X``."""
    hint = typing.get_type_hints(Settings)[name]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    return hint


def coerce(raw: str, to: type) -> Any:
    if to is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    try:
        return to(raw)
    except ValueError as exc:
        raise ValueError(f"cannot read {raw!r} as {to.__name__}") from exc


def setting_help(sections: Iterable[str] | None = None) -> list[tuple[str, str, Any, str, str]]:
    """(field, env var, default, help, section) for every setting, or those of ``sections``:
    feeds --help and the README table."""
    wanted = set(SECTIONS if sections is None else sections)
    return [
        (f.name, ENV_PREFIX + f.name.upper(), f.default, f.metadata["help"], f.metadata["section"])
        for f in dataclasses.fields(Settings) if f.metadata["section"] in wanted
    ]
