"""``counterscan notifier``, ``counterscan appeals list`` and ``counterscan statements export``.

Each reads its topic outside any consumer group, up to the end offsets the
topic has when the command starts, so a command shows the state of one moment
and always ends. The export writes files only: these machines reach no
Transparency Database, and a platform posts the batches itself (README,
"Notice and action under the DSA"). A statement on the topic that fails the
database's schema is left out of every batch and dead-lettered with its reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from aiokafka import ConsumerRecord

from agents.kafka.clients import producer
from agents.kafka.snapshot import read_topic_now
from pipeline import topics
from pipeline.notices import export_batches
from pipeline.records import deadletter_record
from pipeline.timestamps import format_timestamp, utc_now
from pipeline.types import Reason, Rejection


class Read(NamedTuple):
    """One record read: where it sits, its key and its value."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


async def read_topic(bootstrap: str, topic: str, security: dict[str, object] | None = None,
                     since: datetime | None = None) -> list[Read]:
    """Every record of ``topic`` (produced at or after ``since``, if given) up to today's end offsets."""
    seen: list[Read] = []

    def keep(messages: list[ConsumerRecord]) -> int:
        seen.extend(Read(m.partition, m.offset, m.key, m.value) for m in messages)
        return 0

    await read_topic_now(bootstrap, topic, keep, security or {}, progress=False,
                         since_ms=None if since is None else int(since.timestamp() * 1000))
    return seen


def latest(records: list[Read]) -> dict[str, dict[str, Any]]:
    """The last value per key of a compacted topic; a tombstone removes the key."""
    found: dict[str, dict[str, Any]] = {}
    for record in records:
        if record.key is None:
            continue
        if record.value is None:
            found.pop(record.key.decode(), None)
        else:
            found[record.key.decode()] = orjson.loads(record.value)
    return found


async def notifier_record(bootstrap: str, notifier_id: str, security: dict[str, object]) -> dict[str, Any] | None:
    return latest(await read_topic(bootstrap, topics.NOTIFIER_REPUTATION.name, security)).get(notifier_id)


async def appeal_cases(bootstrap: str, security: dict[str, object]) -> list[dict[str, Any]]:
    return list(latest(await read_topic(bootstrap, topics.APPEALS.name, security)).values())


class ExportResult(NamedTuple):
    """What ``statements export`` wrote and what it refused."""

    files: list[Path]
    statements: int
    refused: list[dict[str, str]]


def _decoded(records: list[Read]) -> Iterator[tuple[Read, dict[str, Any] | None]]:
    for record in records:
        try:
            value = orjson.loads(record.value) if record.value is not None else None
        except orjson.JSONDecodeError:
            value = None
        yield record, value if isinstance(value, dict) else None


async def export_statements(bootstrap: str, since: datetime, out: Path,
                            security: dict[str, object]) -> ExportResult:
    """Batches of at most 100 statements, each file one API call's body, validated first; refused ones
    are dead-lettered with the reason and never written."""
    records = await read_topic(bootstrap, topics.STATEMENTS.name, security, since)
    where: dict[str, Read] = {}
    statements = []
    for record, value in _decoded(records):
        if value is None:
            continue
        where[str(value.get("statement_id"))] = record
        statements.append(value)
    exported = export_batches(statements)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for number, batch in enumerate(exported.batches, start=1):
        path = out / f"statements-{number:05d}.json"
        path.write_bytes(orjson.dumps(batch, option=orjson.OPT_INDENT_2))
        files.append(path)
    if exported.refused:
        client = producer(bootstrap, **security)
        await client.start()
        try:
            for refused in exported.refused:
                source = where[refused.statement_id]
                dead = deadletter_record(Rejection(Reason.SCHEMA_VIOLATION, f"statement of reasons "
                                                   f"{refused.statement_id}: {refused.detail}"[:1000]),
                                         topic=topics.STATEMENTS.name, partition=source.partition,
                                         offset=source.offset, key=source.key, value=source.value,
                                         failed_at=format_timestamp(utc_now()))
                await client.send_and_wait(topics.DEADLETTER.name, orjson.dumps(dead), key=source.key)
        finally:
            await client.stop()
    return ExportResult(files, sum(len(b["statements"]) for b in exported.batches),
                        [{"statement_id": r.statement_id, "detail": r.detail} for r in exported.refused])
