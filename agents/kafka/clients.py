"""Kafka client construction and topic administration, in one place."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.helpers import create_ssl_context

from agents.kafka.broker import read_state
from agents.kafka.probe import BrokerError, metadata_problem
from pipeline.settings import Settings
from pipeline.topics import ALL_TOPICS, TopicSpec

log = logging.getLogger(__name__)


def client_security(settings: Settings) -> dict[str, object]:
    """aiokafka options for the configured security protocol; empty for PLAINTEXT.

    One place, so every client a worker opens (scan, followers, admin, tools)
    authenticates the same way as the Faust app (see :func:`faust_credentials`)."""
    protocol = settings.security_protocol
    if protocol == "PLAINTEXT":
        return {}
    options: dict[str, object] = {"security_protocol": protocol}
    if protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context(
            cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None,
            certfile=str(settings.ssl_certfile) if settings.ssl_certfile else None,
            keyfile=str(settings.ssl_keyfile) if settings.ssl_keyfile else None,
        )
    if protocol.startswith("SASL"):
        options.update(sasl_mechanism=settings.sasl_mechanism, sasl_plain_username=settings.sasl_username,
                       sasl_plain_password=settings.sasl_password)
    return options


def faust_credentials(settings: Settings) -> object | None:
    """The same security for the Faust app's own clients."""
    import faust

    options = client_security(settings)
    if not options:
        return None
    context = options.get("ssl_context")
    if settings.security_protocol.startswith("SASL"):
        return faust.SASLCredentials(username=settings.sasl_username, password=settings.sasl_password,
                                     mechanism=settings.sasl_mechanism, ssl_context=context)
    return faust.SSLCredentials(context)


def await_broker(bootstrap_servers: str, security: dict[str, object], max_delay_s: float = 30.0) -> None:
    """Block until the cluster answers Metadata, retrying with backoff and one clear log line a try.

    A worker may well start before Kafka (a node reboot, compose bringing both up); it should
    wait, not crash with a stack trace. A cluster that answers but refuses the credentials (or
    whose certificate is not trusted) raises :class:`KafkaRefused` at once: waiting cannot fix
    a wrong password, and a worker retrying forever looks alive while doing nothing."""
    delay, attempt = 1.0, 1
    while (problem := metadata_problem(bootstrap_servers, 5.0, **security)) is not None:
        log.warning("waiting for Kafka at %s (attempt %d: %s); next try in %.0f s",
                    bootstrap_servers, attempt, problem, delay)
        time.sleep(delay)
        delay, attempt = min(delay * 2, max_delay_s), attempt + 1
    if attempt > 1:
        log.warning("Kafka at %s answers; starting", bootstrap_servers)


def check_broker(bootstrap_servers: str, security: dict[str, object], timeout_s: float = 10.0) -> None:
    """One Metadata probe before a tool's work, so a cluster that is down or refuses the
    credentials ends the tool with one line instead of a client stack trace."""
    problem = metadata_problem(bootstrap_servers, timeout_s, **security)
    if problem is not None:
        raise BrokerError(f"no Metadata answer from {bootstrap_servers}: {problem}")


def resolve_bootstrap(settings: Settings) -> str:
    """The configured cluster, else the local broker `counterscan broker start` left running."""
    if settings.bootstrap_servers:
        return settings.bootstrap_servers
    handle = read_state(settings)
    if handle is None:
        raise BrokerError(
            "no Kafka cluster configured: set COUNTERSCAN_BOOTSTRAP_SERVERS (or --bootstrap-servers), "
            "or start a local broker with `counterscan broker start`"
        )
    return handle.bootstrap_servers


def output_tuning(settings: Settings) -> dict[str, object]:
    """Producer options of the hot path's outputs (scan workers, replay) from the tuning settings:
    the linger, the batch size and the compression codec (``none`` is aiokafka's ``None``)."""
    codec = settings.producer_compression
    return dict(linger_ms=settings.producer_linger_ms, max_batch_size=settings.producer_batch_bytes,
                compression_type=None if codec == "none" else codec)


def producer(bootstrap_servers: str, **overrides: object) -> AIOKafkaProducer:
    """Idempotent, acks from all in-sync replicas: an acknowledged output is a durable output."""
    options: dict[str, object] = dict(
        bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=True,
        linger_ms=5, max_batch_size=512 * 1024, max_request_size=10 * 1024 * 1024,
    )
    options.update(overrides)
    return AIOKafkaProducer(**options)


def reader(bootstrap_servers: str, *topics: str, **overrides: object) -> AIOKafkaConsumer:
    """A group-less consumer from the beginning of the topics, for reports and tests."""
    options: dict[str, object] = dict(
        bootstrap_servers=bootstrap_servers, group_id=None, enable_auto_commit=False,
        auto_offset_reset="earliest", max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    options.update(overrides)
    return AIOKafkaConsumer(*topics, **options)


async def create_topics(
    bootstrap_servers: str, replication_factor: int = 1, specs: tuple[TopicSpec, ...] = ALL_TOPICS,
    security: dict[str, object] | None = None,
) -> dict[str, str]:
    """Create what is missing; existing topics are left alone. Returns name -> created|exists."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **(security or {}))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        outcome = {s.name: "exists" for s in specs if s.name in existing}
        missing = [s for s in specs if s.name not in existing]
        if missing:
            response = await admin.create_topics([
                NewTopic(s.name, num_partitions=s.partitions, replication_factor=replication_factor,
                          topic_configs=dict(s.config))
                for s in missing
            ])
            for name, code, message in _topic_errors(response):
                if code == 0:
                    outcome[name] = "created"
                elif code == TopicAlreadyExistsError.errno:
                    outcome[name] = "exists"
                else:
                    raise RuntimeError(f"creating topic {name} failed (error {code}): {message}")
        await _wait_for_leaders(admin, [s.name for s in specs])
        return outcome
    finally:
        await admin.close()


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str], timeout_s: float = 30.0) -> None:
    """New partitions answer NotLeaderForPartition until their leader is elected; wait for it."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        described = await admin.describe_topics(names)
        if all(t["error_code"] == 0 and t["partitions"] and all(p["leader"] >= 0 for p in t["partitions"])
               for t in described):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(f"topics without partition leaders after {timeout_s:.0f}s: {names}")
        await asyncio.sleep(0.2)


async def partition_ids(bootstrap_servers: str, topic: str, security: dict[str, object] | None = None) -> list[int]:
    """Partitions of a topic, waiting (with a log line) while it does not exist yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **(security or {}))
    await admin.start()
    try:
        while True:
            (described,) = await admin.describe_topics([topic])
            if described["error_code"] == 0 and described["partitions"]:
                return sorted(p["partition"] for p in described["partitions"])
            log.warning("topic %s does not exist yet; run `counterscan topics create`", topic)
            await asyncio.sleep(2.0)
    finally:
        await admin.close()


async def group_state(admin: AIOKafkaAdminClient, group_id: str) -> tuple[str, int]:
    """The group's state (Stable once partitions are assigned) and how many members it has."""
    (response,) = await admin.describe_consumer_groups([group_id])
    _error, _group, state, _protocol_type, _protocol, joined = response.groups[0][:6]
    return state, len(joined)


async def wait_for_group(bootstrap_servers: str, group_id: str, members: int, timeout_s: float = 60.0,
                         exited: Callable[[], str | None] = lambda: None,
                         security: dict[str, object] | None = None) -> None:
    """Until the group is Stable with ``members`` members: workers are in and partitions assigned.
    ``exited`` says why a worker exited (:func:`agents.processes.first_exit`), or None while all run."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **(security or {}))
    await admin.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    try:
        while True:
            try:
                state, joined = await group_state(admin, group_id)
            except KafkaError as exc:  # the coordinator is not up until the offsets topic exists
                if not exc.retriable:
                    raise
                state, joined = "no coordinator yet", 0
            if state == "Stable" and joined == members:
                return
            if (why := exited()) is not None:
                raise RuntimeError(f"{why} (before group {group_id} had {members} members)")
            if loop.time() > deadline:
                raise RuntimeError(f"group {group_id} is {state} with {joined}/{members} members after {timeout_s:.0f}s")
            await asyncio.sleep(0.25)
    finally:
        await admin.close()


def _topic_errors(response: object) -> list[tuple[str, int, str]]:
    rows = []
    for entry in response.topic_errors:  # type: ignore[attr-defined]
        name, code = entry[0], entry[1]
        message = entry[2] if len(entry) > 2 else ""
        rows.append((name, code, message or ""))
    return rows
