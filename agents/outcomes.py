"""Enforcement outcomes into seller reputation: two low-volume Faust agents and a table.

Outcomes arrive keyed by listing id; the first agent validates them and
re-keys them by seller (``counterscan.outcomes-by-seller``), so every outcome
of one seller passes through one partition and one worker. The second agent
folds them into the ``seller_reputation`` table, whose changelog is the
compacted ``sellers.reputation`` topic that every worker's scanner follows.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import faust
import orjson

from pipeline import topics
from pipeline.outcomes import fold_outcome, parse_outcome
from pipeline.records import deadletter_record, iso
from pipeline.reputation import SellerReputation
from pipeline.validation import Rejection

log = logging.getLogger(__name__)


# Small buffers and cache: reputation is written rarely and read by key; the defaults
# (64 MiB write buffers, a 2 GiB block cache) size RocksDB for a database server.
ROCKSDB_OPTIONS = {
    "write_buffer_size": 8 * 1024 * 1024,
    "max_write_buffer_number": 2,
    "target_file_size_base": 16 * 1024 * 1024,
    "block_cache_size": 16 * 1024 * 1024,
    "block_cache_compressed_size": 4 * 1024 * 1024,
}


def _raw_topic(app: faust.App, spec: topics.TopicSpec, **options: object) -> faust.TopicT:
    return app.topic(spec.name, key_serializer="raw", value_serializer="raw", partitions=spec.partitions, **options)


def register_outcome_agents(app: faust.App) -> faust.Table:
    outcomes = _raw_topic(app, topics.OUTCOMES)
    by_seller = _raw_topic(app, topics.OUTCOMES_BY_SELLER)
    deadletters = _raw_topic(app, topics.DEADLETTER)
    changelog = app.topic(topics.SELLER_REPUTATION.name, key_serializer="raw", value_serializer="json",
                          partitions=topics.SELLER_REPUTATION.partitions, compacting=True, deleting=False)
    table = app.Table(
        "seller_reputation", default=None, partitions=topics.SELLER_REPUTATION.partitions,
        changelog_topic=changelog, schema=faust.Schema(key_serializer="raw", value_serializer="json"),
        # RocksDB, not memory: millions of sellers must not live as Python dicts in every worker
        store="rocksdb://", options=ROCKSDB_OPTIONS,
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
                    key=event.key, value=event.value, failed_at=iso(datetime.now(timezone.utc)))))
                continue
            await by_seller.send(key=record.seller_id.encode(), value=event.value)

    @app.agent(by_seller, name="seller-reputation")
    async def fold(stream: faust.StreamT) -> None:
        async for event in stream.events():
            record = parse_outcome(event.value)
            if isinstance(record, Rejection):  # validated upstream; a foreign producer is not trusted
                continue
            current = table.get(event.key)
            updated = fold_outcome(SellerReputation.from_dict(current) if current else None, record)
            table[event.key] = updated.to_dict()

    return table
