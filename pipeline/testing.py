"""Helpers for testing stages with plain dicts: build listings, wrap them as Kafka records,
read output records back, and judge sellers straight from their reputations."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson

from pipeline import topics
from pipeline.sellers.repeat_infringer import RepeatInfringerPolicy, Verdict, assess
from pipeline.sellers.reputation import SellerReputation
from pipeline.types import InputRecord, OutputRecord

_BASE_LISTING: dict[str, Any] = {
    "listing_id": "L-1",
    "marketplace": "taobao",
    "seller": {"id": "seller-1", "country": "CN", "created_at": "2020-01-01T00:00:00Z", "rating": 4.8,
               "feedback_count": 1200},
    "title": "Classic leather tote bag black",
    "description": "Fast shipping.",
    "brand": None,
    "category": "bags/handbags",
    "price": {"amount": 59.0, "currency": "USD"},
    "quantity": 1,
    "observed_at": "2026-11-27T10:00:00Z",
}


def listing(**overrides: Any) -> dict[str, Any]:
    """A valid listing; dotted keys reach into nested objects (``**{"price.amount": 3}``)."""
    result = copy.deepcopy(_BASE_LISTING)
    for key, value in overrides.items():
        target = result
        *parents, leaf = key.split(".")
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    return result


def raw_records(values: Iterable[dict[str, Any] | bytes], topic: str = topics.LISTINGS_RAW.name) -> list[InputRecord]:
    """Kafka-shaped input records, keyed by listing id where there is one."""
    records = []
    for offset, value in enumerate(values):
        data = value if isinstance(value, bytes) else orjson.dumps(value)
        key = value.get("listing_id") if isinstance(value, dict) else None
        records.append(InputRecord(topic, 0, offset, key.encode() if isinstance(key, str) else None, data))
    return records


def parse_output(record: OutputRecord) -> dict[str, Any]:
    """The JSON value of an output record."""
    return orjson.loads(record.value)


def assess_reputations(sellers: Sequence[SellerReputation], now: datetime, policy: RepeatInfringerPolicy) -> Verdict:
    """A seller (one reputation) or a network (its members' reputations), from their confirmation times."""
    return assess((t for seller in sellers for t in seller.confirmed_at), now, policy)
