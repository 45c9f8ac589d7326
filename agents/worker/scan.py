"""The hot path: consume raw listings in batches, scan them, produce, then commit.

Faust's per-event machinery is the bottleneck for a stage that touches every
listing (about 6k events/s against about 78k/s for plain aiokafka on the same
broker), so this stage runs aiokafka ``getmany()`` inside a Faust service:
Faust keeps the worker lifecycle, web server and low-volume agents.

How outputs reach the broker and when offsets are committed is the delivery's
business (:mod:`agents.worker.delivery`, at-least-once, the default, and
:mod:`agents.worker.transactional`, exactly-once with Kafka transactions): the
service scans, hands each batch's outputs to it, and drains it before
partitions go.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterable
from functools import partial
from itertools import chain

import orjson
from aiokafka import ConsumerRebalanceListener, TopicPartition
from mode import Service

from agents.kafka.batching import produce_all
from agents.kafka.clients import client_security, reader
from agents.worker.background import BackgroundErrors
from agents.worker.delivery import Delivery
from agents.worker.followers import CompactedTopicFollower
from agents.worker.metrics import Metrics
from agents.worker.models import ModelFollowing
from agents.worker.retention import resume_past_gaps
from agents.worker.sellers import link_outputs, seller_followers
from agents.worker.transactional import TransactionalDelivery
from pipeline import topics
from pipeline.brands.profiles import ProfileBook
from pipeline.intake.currency import RateTableError, load_rate_table, parse_rate_table
from pipeline.records import deadletter_record
from pipeline.scanner import BatchResult, Scanner
from pipeline.sellers.networks.types import Link
from pipeline.sellers.state import SellerState
from pipeline.settings import Settings
from pipeline.timestamps import format_timestamp, utc_now
from pipeline.types import OutputRecord, Reason, Rejection

log = logging.getLogger(__name__)


class _DrainOnRevoke(ConsumerRebalanceListener):
    def __init__(self, service: ListingScanService) -> None:
        self.service = service

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        async with self.service.batch_lock:  # batches in flight finish and commit first
            await self.service.drain()
            log.info("partitions revoked: %s", sorted(f"{tp.topic}[{tp.partition}]" for tp in revoked))

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        log.info("partitions assigned: %s", sorted(f"{tp.topic}[{tp.partition}]" for tp in assigned))
        await self.service.delivery.on_assigned(sorted(assigned))  # exactly-once: from stable offsets only
        with self.service.errors.round("retention gaps"):  # a committed offset below the log start is reported
            await resume_past_gaps(self.service.consumer, assigned, self.service.metrics.records_unscannable)


class ListingScanService(Service):
    """The listing hot path of one worker, with the state followers it scans with.

    Owns the scan group's consumer, the producer of every output and the batches
    in flight; decides when offsets are committed. Its background work (the lag
    reading, reports from state handlers, the followers) runs in rounds that
    :class:`BackgroundErrors` contains, so only the delivery rules above decide
    about records and nothing but a stop ends the service."""

    def __init__(self, settings: Settings, bootstrap_servers: str, metrics: Metrics,
                 errors: BackgroundErrors | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.metrics = metrics
        self.errors = errors or BackgroundErrors(metrics.background_errors)
        self.broker_seen = 0.0  # monotonic time of the last answer from the broker
        self.bootstrap_servers = bootstrap_servers
        self.profiles = ProfileBook()
        self.sellers = SellerState()  # reputation and networks, from sellers.reputation and sellers.links
        self.reputation = self.sellers.reputation
        self.scanner = Scanner(settings.scoring, self.profiles.catalog, reputation=self.reputation,
                               networks=self.sellers.networks)
        self.unsent_links: list[Link] = []  # learned, but their batch was refused: sent with the next one
        metrics.brand_profiles.set(len(self.profiles.catalog.profiles))
        self._export_rates_date()
        self.batch_lock = asyncio.Lock()
        self.closing = False  # set by a stop: no batch is taken after it
        self.delivery = TransactionalDelivery(self) if settings.processing_guarantee == "exactly_once" \
            else Delivery(self)
        self.processed = 0
        self._reports: set[asyncio.Task[None]] = set()
        self.security = client_security(settings)
        self.origin = uuid.uuid4().hex.encode()  # marks the links this process publishes
        self.models = ModelFollowing(settings, self.scanner, metrics, partial(self._refuse, topic=topics.MODELS.name))
        self.followers = [
            CompactedTopicFollower(bootstrap_servers, topics.BRAND_PROFILES.name, self.apply_profile, self.errors,
                                   self.security),
            CompactedTopicFollower(bootstrap_servers, topics.EXCHANGE_RATES.name, self.apply_rates, self.errors,
                                   self.security),
            *seller_followers(bootstrap_servers, self.security, self.sellers, self._report, self.errors, self.origin),
            CompactedTopicFollower(bootstrap_servers, topics.MODELS.name, self.models.apply, self.errors, self.security),
        ]
        for follower in self.followers:
            self.add_dependency(follower)

    def apply_profile(self, key: bytes | None, value: bytes | None, partition: int, offset: int) -> None:
        """A change on brands.profiles: in force from the next batch, or rejected and reported."""
        outcome = self.profiles.apply(key, value)
        if isinstance(outcome, Rejection):
            log.error("brand profile %r rejected, previous profile stays in force: %s (%s)",
                      key, outcome.detail, outcome.reason)
            self._refuse(outcome, key, value, partition, offset, topics.BRAND_PROFILES.name)
            return
        self.scanner.use_catalog(self.profiles.catalog)
        self.metrics.brand_profiles.set(len(self.profiles.catalog.profiles))
        log.info("brand profile %r in force (%d brands)", key, len(self.profiles.catalog.profiles))

    def apply_rates(self, key: bytes | None, value: bytes | None, partition: int, offset: int) -> None:
        """A table on reference.exchange_rates: in force from the next batch, or refused and reported
        (the table in force stays). A tombstone brings back the configured table."""
        try:
            table = (load_rate_table(self.settings.exchange_rates_file) if value is None
                     else parse_rate_table(orjson.loads(value), f"{topics.EXCHANGE_RATES.name}@{offset}", True))
        except (orjson.JSONDecodeError, RateTableError) as exc:
            log.error("exchange rates at offset %d refused, previous table stays in force: %s", offset, exc)
            self._refuse(Rejection(Reason.SCHEMA_VIOLATION, str(exc)[:300]), key, value, partition, offset,
                         topics.EXCHANGE_RATES.name)
            return
        self.scanner.use_rates(table)
        self._export_rates_date()
        log.info("exchange rates as of %s in force (%d currencies)", table.as_of, len(table.rates))

    def _refuse(self, rejection: Rejection, key: bytes | None, value: bytes | None, partition: int, offset: int,
                topic: str) -> None:
        """A state record that cannot be used, reported on the dead-letter topic with its original."""
        record = deadletter_record(rejection, topic=topic, partition=partition, offset=offset, key=key, value=value,
                                   failed_at=format_timestamp(utc_now()))
        self._report(topics.DEADLETTER.name, key, orjson.dumps(record))

    def _export_rates_date(self) -> None:
        as_of = self.scanner.rates_as_of
        self.metrics.rates_as_of.set(as_of.timestamp() if as_of else 0)

    def _report(self, topic: str, key: bytes | None, value: bytes) -> None:
        """Send a report from a synchronous state handler; the task is kept until the broker
        acknowledges, and a refusal is logged rather than lost with an unreferenced task."""
        producer = self.delivery.report_producer
        if producer is None:
            return

        async def send() -> None:
            with self.errors.round(f"report {topic}"):
                await produce_all(producer, [OutputRecord(topic, key, value)])

        task = asyncio.get_running_loop().create_task(send())
        self._reports.add(task)
        task.add_done_callback(self._reports.discard)

    async def on_start(self) -> None:
        # the followers (also dependencies, so they stop with this service) start side by side:
        # one after another, each connection and offset lookup adds to a joining worker's wait
        await asyncio.gather(*(follower.maybe_start() for follower in self.followers))
        settings = self.settings
        self.consumer = reader(
            self.bootstrap_servers,
            group_id=settings.scan_group_id,
            max_poll_records=settings.batch_max_records,
            fetch_min_bytes=settings.fetch_min_bytes,
            fetch_max_wait_ms=settings.fetch_max_wait_ms,
            fetch_max_bytes=settings.fetch_max_bytes,
            max_partition_fetch_bytes=settings.partition_fetch_bytes,
            heartbeat_interval_ms=settings.heartbeat_interval_ms,
            **self.security,
        )
        await self.delivery.start()
        await self.consumer.start()

    async def on_stop(self) -> None:
        async with self.batch_lock:  # finish the batches in flight before leaving the group
            self.closing = True  # and take no new one: what is fetched from now on is left to the next owner
            await self.drain()
        # outside the lock: a stop during a rebalance waits for the rebalance, whose revoke listener
        # takes the lock (held here, the two would wait for each other until SIGKILL)
        try:
            await self.consumer.stop()
        finally:
            await self.delivery.stop()
        log.info("scan stopped after %d records", self.processed)

    @Service.task
    async def _scan(self) -> None:
        # decide with the state that exists, not an empty one; and join the group only then, so
        # partitions go to workers that can scan them, not to one still reading millions of links
        for follower in self.followers:
            await follower.caught_up.wait()
        self.consumer.subscribe([topics.LISTINGS_RAW.name], listener=_DrainOnRevoke(self))
        log.info("scanning %s as group %s", topics.LISTINGS_RAW.name, self.settings.scan_group_id)
        while not self.should_stop:
            batches: dict[TopicPartition, list] = {}
            with self.errors.round("fetch") as round_:  # nothing is consumed by a fetch that fails
                batches = await self.consumer.getmany(
                    timeout_ms=self.settings.batch_timeout_ms, max_records=self.settings.batch_max_records
                )
            if round_.failed:
                await self.sleep(self.delivery.retry_backoff_s)
            async with self.batch_lock:
                if batches and not self.closing:
                    await self.handle(batches)
                await self.delivery.commit_acknowledged(wait=self.delivery.backlogged)

    async def handle(self, batches: dict[TopicPartition, list]) -> BatchResult:
        """Scan one batch and hand its outputs to the producer; the offsets are committed later,
        once every output of this batch and of all earlier ones is acknowledged."""
        records = list(chain.from_iterable(batches.values()))
        result = self.scanner.process(records)
        self.sellers.links.add(result.links)  # the follower skips this process's own links
        links, self.unsent_links = [*self.unsent_links, *result.links], []
        # learned links go with the decisions: the offsets are committed once both are delivered; links
        # of a refused batch are not learned again when it is scanned again, so they go with the next one
        await self.delivery.submit(batches, records, [*result.outputs, *link_outputs(links, self.origin)],
                                   (lambda: self.unsent_links.extend(links)) if links else None)
        self.metrics.record_batch(len(records), result)
        return result

    @Service.task
    async def _measure_lags(self) -> None:
        while not self.should_stop:
            await self.sleep(self.settings.lag_interval_s)
            with self.errors.round("lag"):
                await self.measure_lag()

    async def measure_lag(self) -> None:
        """Export end offset minus position, per assigned partition; unassigned ones disappear.

        A rebalance may revoke a partition at any await here (``position`` then raises
        IllegalStateError): the round is dropped and the next one reads the new assignment."""
        if not hasattr(self, "consumer"):
            return
        assigned = sorted(self.consumer.assignment())
        ends = await self.consumer.end_offsets(assigned) if assigned else {}
        self.broker_seen = time.monotonic()
        lags = {tp: max(0, ends[tp] - await self.consumer.position(tp)) for tp in assigned}
        self.metrics.consumer_lag.clear()
        for tp, lag in lags.items():
            self.metrics.consumer_lag.labels(topic=tp.topic, partition=str(tp.partition)).set(lag)

    def readiness(self) -> tuple[bool, str]:
        """Ready when the state topics are read (a restart on millions of seller links takes a
        while, and scans nothing until then), partitions are assigned and the broker answered
        within the last 30 s."""
        behind = [follower.topic for follower in self.followers if not follower.caught_up.is_set()]
        if behind:
            return False, f"reading {', '.join(behind)} from the beginning"
        assigned = len(self.consumer.assignment()) if hasattr(self, "consumer") else 0
        if not assigned:
            return False, "no partitions assigned"
        if time.monotonic() - self.broker_seen > 30:
            return False, "no answer from the broker for 30 s"
        return True, f"ready: {assigned} partitions"

    async def drain(self) -> None:
        """Every batch in flight delivered and committed: before partitions go, and at stop."""
        await self.delivery.drain()
