"""One typed settings object for every counterscan process.

Values come, in rising precedence, from field defaults, ``COUNTERSCAN_*``
environment variables and command-line flags, so a worker in Kubernetes (env
from a ConfigMap) and a developer at a shell (flags) read the same fields.

Every value is checked here, once, when the settings are loaded: a process
refuses a bad log level, SASL mechanism or port before it does any work, with a
message that names both the flag and the environment variable to fix.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "COUNTERSCAN_"
PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the checkout; in an installed wheel, its site-packages


def _default_cache_dir() -> Path:
    """``<repo>/.cache`` in a checkout (where ``make`` puts the broker jars); for an installed wheel the
    user's cache directory, never the installed package, which may be read-only (a container image)."""
    pyproject = PROJECT_ROOT / "pyproject.toml"
    if pyproject.is_file() and 'name = "counterscan"' in pyproject.read_text():
        return PROJECT_ROOT / ".cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")) / "counterscan"


SESSION_TIMEOUT_MS = 10_000  # aiokafka's default: a member silent this long leaves its group
SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")  # the logging module's, as faust spells them
PROCESSING_GUARANTEES = ("at_least_once", "exactly_once")
COMPRESSION_CODECS = ("none", "gzip", "snappy", "lz4", "zstd")  # what aiokafka's producer can write (cramjam)
ROLES = ("scan", "feedback", "notices")
PORT = {"minimum": 1, "maximum": 65_535}
_SERVER = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[^\s:\[\]]+)(?::(\d+))?")  # host, [v6 address], either with :port
_HEAP = re.compile(r"[1-9]\d*[kKmMgG]?")  # what the JVM's -Xmx takes


# Settings in sections, as faust groups its own: a command's --help lists only the sections it uses.
SECTIONS = {
    "connection": "Kafka connection and security",
    "worker": "worker and consumer group",
    "tuning": "consumer and producer tuning",
    "scoring": "scoring and routing",
    "models": "models on models.scoring",
    "sellers": "seller policy",
    "notices": "takedown notices",
    "web": "web server, metrics and probes",
    "local": "local broker and caches",
    "logging": "logging",
    "console": "review console",
}


def _setting(default: Any, help: str, section: str, **limits: Any) -> Any:
    """A field with its help and section; ``limits`` are what :meth:`Settings.validate` checks:
    ``choices``, ``minimum``, ``maximum`` (inclusive) and ``above`` (exclusive)."""
    assert section in SECTIONS, section
    assert set(limits) <= {"choices", "minimum", "maximum", "above"}, limits
    return field(default=default, metadata={"help": help, "section": section, **limits})


def _either(choices: Iterable[str]) -> str:
    *first, last = choices
    return f"{', '.join(first)} or {last}"


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
    native: str = "auto"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of every counterscan process, in one frozen, validated object.

    Fields are flat so that each has one environment variable; :data:`SECTIONS` groups them
    for help and for handing a stage only its own section (:attr:`scoring`)."""

    bootstrap_servers: str | None = _setting(
        None, "Kafka bootstrap servers (host:port,...); unset means start a local broker", "connection")
    security_protocol: str = _setting("PLAINTEXT", f"Kafka security protocol: {_either(SECURITY_PROTOCOLS)}",
                                      "connection", choices=SECURITY_PROTOCOLS)
    sasl_mechanism: str = _setting("SCRAM-SHA-512", f"SASL mechanism: {_either(SASL_MECHANISMS)}", "connection",
                                   choices=SASL_MECHANISMS)
    sasl_username: str | None = _setting(None, "SASL user name", "connection")
    sasl_password: str | None = _setting(
        None, "SASL password (prefer the environment variable, or the password file, to the flag)", "connection")
    sasl_password_file: Path | None = _setting(
        None, "file holding the SASL password (one trailing newline is dropped); not with --sasl-password",
        "connection")
    ssl_cafile: Path | None = _setting(None, "CA certificate file that signed the brokers' certificates", "connection")
    ssl_certfile: Path | None = _setting(None, "client certificate file, for brokers that demand one", "connection")
    ssl_keyfile: Path | None = _setting(None, "private key of the client certificate", "connection")
    app_id: str = _setting(
        "counterscan", "Faust application id (prefix of its internal topics) and group of the feedback and notices "
        "workers; a scan-only worker's Faust app is <app_id>-scan", "worker")
    roles: str = _setting(
        "scan,feedback",
        "what a worker runs: scan (the listing hot path), feedback (outcomes into seller reputation), notices "
        "(notice and action: receipts, statements of reasons, appeals), comma-separated", "worker")
    scan_group_id: str = _setting(
        "counterscan-scan", "consumer group of the listing hot path; all workers share it", "worker")
    replication_factor: int = _setting(1, "replication factor of topics `counterscan topics create` makes", "worker",
                                       minimum=1)
    processing_guarantee: str = _setting(
        "at_least_once", "at_least_once (outputs acknowledged, then offsets committed) or exactly_once (outputs, "
        "seller links and input offsets of each batch in one Kafka transaction)", "worker",
        choices=PROCESSING_GUARANTEES)
    transaction_timeout_ms: int = _setting(
        10_000, "exactly_once: how long a transaction may stay open before the broker aborts it, in milliseconds; "
        "a worker that crashed or hung with one open blocks read_committed readers of its partitions this long "
        "(at most the broker's transaction.max.timeout.ms)", "worker", minimum=1)
    batch_max_records: int = _setting(2000, "most listings the hot path takes per batch", "tuning", minimum=1)
    native: str = _setting(
        "auto", "compiled intake and text folding, same outputs: auto (if built), on or off", "tuning",
        choices=("auto", "on", "off"))
    max_inflight_batches: int = _setting(
        3, "scanned batches whose outputs may await acknowledgement while the next is scanned", "tuning", minimum=1)
    batch_timeout_ms: int = _setting(100, "longest wait for a batch to fill, in milliseconds", "tuning", minimum=0)
    heartbeat_interval_ms: int = _setting(
        1000, "how often a scan worker heartbeats its group; a member learns of a rebalance only then; "
        f"below the group session timeout ({SESSION_TIMEOUT_MS})", "tuning", minimum=1, maximum=SESSION_TIMEOUT_MS - 1)
    producer_linger_ms: int = _setting(5, "how long the producer waits to fill a batch", "tuning", minimum=0)
    producer_batch_bytes: int = _setting(524_288, "largest batch the producer sends to one partition", "tuning",
                                         minimum=1)
    producer_compression: str = _setting(
        "snappy", f"codec of the hot path's outputs: {_either(COMPRESSION_CODECS)}", "tuning",
        choices=COMPRESSION_CODECS)
    # chosen by `python -m benchmarks.latency --variants` (README, "Throughput, latency, memory"): at
    # 1200 listings/s, 0.3 of the worker's CPU per listing of answering every fetch at once
    fetch_min_bytes: int = _setting(
        262_144, "least bytes the broker gathers for a scan worker's fetch before it answers (or "
        "fetch_max_wait_ms passes): fewer, larger batches at low rates", "tuning", minimum=1)
    fetch_max_wait_ms: int = _setting(
        100, "longest the broker holds a scan worker's fetch to gather fetch_min_bytes, in milliseconds; "
        "what a listing may wait at low rates", "tuning", minimum=0)
    fetch_max_bytes: int = _setting(67_108_864, "most bytes one fetch may return across partitions", "tuning",
                                    minimum=1)
    partition_fetch_bytes: int = _setting(8_388_608, "most bytes one fetch may return from one partition", "tuning",
                                          minimum=1)
    max_record_bytes: int = _setting(
        1_048_576, "raw listings larger than this are dead-lettered unread", "scoring", minimum=1)
    rules_version: str = _setting("rules-1", "version of the decision rules; part of decision ids", "scoring")
    # chosen with the model, by k-fold held-out figures on the hand-labeled corpus (see `counterscan train`)
    takedown_threshold: float = _setting(0.9, "default score at or above which a listing goes to takedown", "scoring")
    review_threshold: float = _setting(0.2, "default score at or above which a listing goes to review", "scoring")
    repeat_infringer_strikes: int = _setting(
        3, "confirmed counterfeit takedowns within the window that make a seller, or its network, a repeat infringer",
        "sellers", minimum=1)
    repeat_infringer_window_days: int = _setting(
        180, "days over which confirmed takedowns count towards the repeat-infringer policy", "sellers", minimum=1)
    exchange_rates_file: Path | None = _setting(
        None, "USD exchange rates (JSON) replacing the shipped table", "scoring")
    model_file: Path | None = _setting(
        None, "model file from `counterscan train`, replacing the shipped one", "scoring")
    model_validation_listings: int = _setting(
        2000, "generated listings every model on models.scoring is tried on before it may score", "models", minimum=100)
    model_max_takedown_share: float = _setting(
        0.2, "a model sending more of the validation listings to takedown is refused", "models", above=0, maximum=1)
    model_max_wrong_takedown_share: float = _setting(
        0.01, "a model sending more of the validation sample's genuine listings to takedown is refused", "models",
        minimum=0, maximum=1)
    notifier_name: str = _setting("counterscan brand protection", "who takedown notices name as the notifier", "notices")
    notifier_email: str = _setting("brand-protection@example.invalid", "where the notifier can be reached", "notices")
    notice_pending_days: int = _setting(
        7, "days a notice for a listing not known yet is kept and retried when the listing appears", "notices",
        minimum=1)
    appeal_deadline_days: int = _setting(14, "days within which a seller's complaint must be decided", "notices",
                                         minimum=1)
    automated_removal_brands: str = _setting(
        "", "brand ids whose takedown decisions the marketplace carries out at once (comma-separated)", "notices")
    statement_territorial_scope: str = _setting(
        "EU", "where restrictions apply, for statements of reasons: EU, EEA or country codes (comma-separated)",
        "notices")
    notifier_unfounded_share: float = _setting(
        0.5, "share of manifestly unfounded notices above which a notifier is flagged", "notices", above=0,
        maximum=1)
    notifier_window_days: int = _setting(90, "days over which a notifier's decided notices are judged", "notices",
                                         minimum=1)
    notifier_min_decided: int = _setting(5, "decided notices within the window before a notifier is judged",
                                         "notices", minimum=1)
    lag_interval_s: float = _setting(5.0, "how often a scan worker reads its consumer lag, in seconds", "web", above=0)
    metrics_host: str = _setting("127.0.0.1", "interface of /metrics, /healthz and /readyz", "web")
    metrics_port: int = _setting(9108, "port of /metrics, /healthz and /readyz", "web", **PORT)
    web_host: str = _setting("127.0.0.1", "interface of the worker's web server", "web")
    web_port: int = _setting(6066, "port of the worker's web server", "web", **PORT)
    cache_dir: Path = _setting(
        _default_cache_dir(), "where broker jars, broker state and data directories live", "local")
    kafka_libs: Path | None = _setting(
        None, "directory of the local broker's jars (fetched there with Maven if missing); "
              "default <cache_dir>/kafka-libs", "local")
    state_dir: Path | None = _setting(
        None, "where a worker keeps its table state (RocksDB); default <cache_dir>/state/<app_id>-<web_port>", "worker")
    kafka_heap: str = _setting("512m", "JVM heap of the local broker, as -Xmx takes it (512m, 2g)", "local")
    brokers: int = _setting(1, "nodes of the local Kafka cluster (KRaft, each broker and controller); 3 gives "
                            "replication factor 3 and min.insync.replicas=2", "local", minimum=1, maximum=9)
    log_level: str = _setting("info", f"log level: {_either(LOG_LEVELS)}", "logging", choices=LOG_LEVELS)
    console_host: str = _setting("127.0.0.1", "interface the review console listens on", "console")
    console_port: int = _setting(8088, "port of the review console", "console", **PORT)
    console_accounts_file: Path | None = _setting(
        None, "reviewer accounts: a line per reviewer, id:argon2 hash (`counterscan console --add-account`)",
        "console")
    console_trusted_header: str | None = _setting(
        None, "sign reviewers in by this request header set by a trusted single-sign-on proxy, instead of "
              "passwords; only behind a proxy that sets it on every request", "console")
    console_claim_ttl_s: float = _setting(
        300.0, "seconds a review item stays claimed by the reviewer who opened it", "console", above=0)
    console_session_ttl_s: float = _setting(
        28_800.0, "seconds a reviewer stays signed in", "console", above=0)
    console_history_days: float = _setting(
        7.0, "days of decisions and raw listings the console reads at start (brand charts, listing history); "
             "further back if an open review request is older", "console", above=0)

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
        return self.kafka_libs or self.cache_dir / "kafka-libs"

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
        """Defaults, then ``COUNTERSCAN_*`` variables, then non-None overrides; the SASL password
        read from its file if one is named; then every value checked (:class:`SettingError`)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(setting_env(f.name))
            if raw is not None and raw != "":
                values[f.name] = coerce(raw, setting_type(f.name), f.name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise SettingError(f"no such settings: {sorted(unknown)}")
        for name, fold in (("log_level", str.lower), ("security_protocol", str.upper), ("sasl_mechanism", str.upper)):
            if isinstance(values.get(name), str):
                values[name] = fold(values[name])
        if values.get("sasl_password_file") is not None:
            if values.get("sasl_password") is not None:
                raise SettingError(f"give the SASL password once: {_named('sasl_password')} or "
                                   f"{_named('sasl_password_file')}, not both")
            values["sasl_password"] = read_secret(Path(values["sasl_password_file"]), "sasl_password_file")
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Refuse what no process can run with, naming the flag and the environment variable."""
        for f in dataclasses.fields(self):
            _check_limits(f.name, getattr(self, f.name), f.metadata)
        if not 0.0 < self.review_threshold <= self.takedown_threshold <= 1.0:
            raise SettingError(
                f"thresholds must satisfy 0 < {_named('review_threshold')} <= {_named('takedown_threshold')} <= 1, "
                f"got review {self.review_threshold} and takedown {self.takedown_threshold}")
        if self.security_protocol.startswith("SASL") and not (self.sasl_username and self.sasl_password):
            raise SettingError(
                f"{_named('security_protocol')} {self.security_protocol} needs {_named('sasl_username')} and a "
                f"password: {_named('sasl_password')} or {_named('sasl_password_file')}")
        unknown = set(self.role_set) - set(ROLES)
        if unknown or not self.role_set:
            raise SettingError(f"{_named('roles')} must be scan, feedback, notices or several (comma-separated), "
                               f"got {self.roles!r}")
        if self.bootstrap_servers:
            for server in self.bootstrap_servers.split(","):
                found = _SERVER.fullmatch(server.strip())
                if found is None or (found.group(2) is not None
                                     and not PORT["minimum"] <= int(found.group(2)) <= PORT["maximum"]):
                    raise SettingError(f"{_named('bootstrap_servers')} must be host:port,... with ports from "
                                       f"{PORT['minimum']} to {PORT['maximum']}, got {server.strip()!r}")
        if not _HEAP.fullmatch(self.kafka_heap):
            raise SettingError(f"{_named('kafka_heap')} must be a positive JVM heap size such as 512m or 2g, "
                               f"got {self.kafka_heap!r}")


class SettingError(ValueError):
    """A setting no process can run with; the message names its flag and environment variable."""


def setting_env(name: str) -> str:
    """The environment variable of a setting."""
    return ENV_PREFIX + name.upper()


def setting_flag(name: str) -> str:
    """The command-line flag of a setting."""
    return "--" + name.replace("_", "-")


def _named(name: str) -> str:
    return f"{setting_flag(name)} ({setting_env(name)})"


def _check_limits(name: str, value: Any, limits: Mapping[str, Any]) -> None:
    if value is None:
        return
    if "choices" in limits and value not in limits["choices"]:
        raise SettingError(f"{_named(name)} must be {_either(limits['choices'])}, got {value!r}")
    low, high = limits.get("minimum"), limits.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):
        wanted = f"from {low} to {high}" if low is not None and high is not None else (
            f"at least {low}" if low is not None else f"at most {high}")
        raise SettingError(f"{_named(name)} must be {wanted}, got {value}")
    if "above" in limits and not value > limits["above"]:
        raise SettingError(f"{_named(name)} must be above {limits['above']}, got {value}")


def read_secret(path: Path, name: str) -> str:
    """A secret kept in a file, as Kubernetes and Docker mount them: the whole file less one
    trailing newline (an editor's or ``echo``'s), so a password may still end in spaces."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingError(f"{_named(name)}: cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    text = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text
    if not text:
        raise SettingError(f"{_named(name)}: {path} is empty")
    return text


def setting_type(name: str) -> type:
    """The concrete type of a field, with ``X | None`` unwrapped to ``X``."""
    hint = typing.get_type_hints(Settings)[name]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    return hint


def coerce(raw: str, to: type, name: str | None = None) -> Any:
    """``raw`` as a value of type ``to``; the error names setting ``name``'s flag and variable."""
    if to is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    try:
        return to(raw)
    except ValueError as exc:
        raise SettingError(f"{_named(name) + ': ' if name else ''}cannot read {raw!r} as {to.__name__}") from exc


def setting_help(sections: Iterable[str] | None = None) -> list[tuple[str, str, Any, str, str]]:
    """(field, env var, default, help, section) for every setting, or those of ``sections``:
    feeds --help and the README table."""
    wanted = set(SECTIONS if sections is None else sections)
    return [
        (f.name, setting_env(f.name), f.default, f.metadata["help"], f.metadata["section"])
        for f in dataclasses.fields(Settings) if f.metadata["section"] in wanted
    ]
