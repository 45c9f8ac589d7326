"""Enforcement outcomes into seller reputation: two low-volume Faust agents and a table.

Outcomes arrive keyed by listing id; the first agent validates them and
re-keys them by seller (``counterscan.outcomes-by-seller``), so every outcome
of one seller passes through one partition and one worker. The second agent
applies them to the ``seller_reputation`` table, whose changelog is the
compacted ``sellers.reputation`` topic that every worker's scanner follows.

The same agent applies the repeat-infringer policy: when an outcome makes the
seller, or the network of accounts linked to it, a repeat infringer, a
recommendation with the evidence goes to ``suspects.sellers`` before the
seller's record is written. Judging a network needs the networks and the
linked accounts' strikes, so the feedback role follows ``sellers.links`` and
``sellers.reputation`` too, and judges nothing until it has caught up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import faust
import orjson

from pipeline import topics
from pipeline.records import deadletter_record
from pipeline.sellers.feedback import apply_seller_outcome
from pipeline.sellers.outcomes import parse_outcome
from pipeline.sellers.repeat_infringer import RepeatInfringerPolicy
from pipeline.sellers.state import SellerState
from pipeline.sellers.strike_index import StrikeTimes
from pipeline.settings import Settings
from pipeline.timestamps import format_timestamp, utc_now
from pipeline.types import Rejection

log = logging.getLogger(__name__)


# Small buffers and cache: the defaults (64 MiB write buffers, a 2 GiB block cache) size RocksDB for
# a database server. Faust opens one database per partition, each with its own buffers and cache.
ROCKSDB_OPTIONS = {
    "write_buffer_size": 8 * 1024 * 1024,
    "max_write_buffer_number": 2,
    "target_file_size_base": 16 * 1024 * 1024,
    "block_cache_size": 16 * 1024 * 1024,
    "block_cache_compressed_size": 4 * 1024 * 1024,
}
# Reputation is written rarely (once per outcome) and read by key, and one feedback worker may own
# all twelve partitions: with the options above their buffers and caches grow by about 300 MiB over
# a day's outcomes, with these by about 77 MiB, a level reached within minutes (python -m
# benchmarks.reputation_store: 1.5 million updates of 150000 sellers' records).
REPUTATION_ROCKSDB_OPTIONS = {
    **ROCKSDB_OPTIONS,
    "write_buffer_size": 2 * 1024 * 1024,
    "block_cache_size": 4 * 1024 * 1024,
}


def _raw_topic(app: faust.App, spec: topics.TopicSpec, **options: object) -> faust.TopicT:
    return app.topic(spec.name, key_serializer="raw", value_serializer="raw", partitions=spec.partitions, **options)


def register_outcome_agents(app: faust.App, settings: Settings, sellers: SellerState,
                            sellers_known: Callable[[], Awaitable[None]]) -> faust.Table:
    """``sellers`` must track strikes (:meth:`SellerState.track_strikes`); ``sellers_known``
    returns once it holds what the seller topics held at start-up."""
    outcomes = _raw_topic(app, topics.OUTCOMES)
    by_seller = _raw_topic(app, topics.OUTCOMES_BY_SELLER)
    deadletters = _raw_topic(app, topics.DEADLETTER)
    suspects = _raw_topic(app, topics.SUSPECTS_SELLERS)
    policy = RepeatInfringerPolicy.from_settings(settings)
    changelog = app.topic(topics.SELLER_REPUTATION.name, key_serializer="raw", value_serializer="json",
                          partitions=topics.SELLER_REPUTATION.partitions, compacting=True, deleting=False,
                          acks=False)  # as Faust's own changelogs: no stream acks it, so none is idle
    table = app.Table(
        "seller_reputation", default=None, partitions=topics.SELLER_REPUTATION.partitions,
        changelog_topic=changelog, schema=faust.Schema(key_serializer="raw", value_serializer="json"),
        # RocksDB, not memory: millions of sellers must not live as Python dicts in every worker.
        # The URL names a path: a bare "rocksdb://" is a false yarl URL, so Faust would silently
        # fall back to the app's memory:// store (each seller a decoded JSON dict, ~650 B).
        store="rocksdb:seller_reputation", options=REPUTATION_ROCKSDB_OPTIONS,
    )

    @app.agent(outcomes, name="outcomes-by-seller")
    async def rekey(stream: faust.StreamT) -> None:
        async for event in stream.events():
            record = parse_outcome(event.value)
            if isinstance(record, Rejection):
                message = event.message
                log.warning("outcome rejected (%s): %s", record.reason, record.detail)
                await deadletters.send(key=event.key, value=orjson.dumps(deadletter_record(
                    record, topic=message.topic, partition=message.partition, offset=message.offset,
                    key=event.key, value=event.value, failed_at=format_timestamp(utc_now()))))
                continue
            await by_seller.send(key=record.seller_id.encode(), value=event.value)

    strike_times = StrikeTimes()  # the linked accounts' strike times, kept from one outcome to the next

    @app.agent(by_seller, name="seller-reputation")
    async def apply(stream: faust.StreamT) -> None:
        await sellers_known()
        async for event in stream.events():
            record = parse_outcome(event.value)
            if isinstance(record, Rejection):  # validated upstream; a foreign producer is not trusted
                continue
            strikes = sellers.strikes if sellers.strikes is not None else {}
            strike_times.forget_missing(strikes)
            applied = apply_seller_outcome(table.get(event.key), record, strikes, sellers.networks,
                                         utc_now(), policy, settings.rules_version, strike_times)
            if applied.value is None:  # delivered twice: counted already
                continue
            if applied.recommendation is not None:
                log.warning("seller %s is a repeat infringer (%s): %s", record.seller_id,
                            applied.recommendation["scope"], "; ".join(applied.recommendation["reasons"]))
                await suspects.send(key=event.key, value=orjson.dumps(applied.recommendation))
            table[event.key] = applied.value

    return table
