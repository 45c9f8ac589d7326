"""The plain types every layer shares: records in and out, reasons, routes.

Kept apart from the stages that make them (as faust keeps ``faust/types``
apart from its transports), so a Kafka agent, a file tool and a test can all
name a record or a reason without importing the scanner or the validator.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple, Protocol

__all__ = ["ConsumedRecord", "InputRecord", "OutputRecord", "Reason", "Rejection", "Route"]


class ConsumedRecord(Protocol):
    """What the scanner reads of a consumed record: aiokafka's ``ConsumerRecord`` has all of it,
    so the hot path hands those in as they come rather than copying each into a tuple of ours."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...


class InputRecord(NamedTuple):
    """A consumed record built by hand: tests, files and tools (the hot path hands in aiokafka's own)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: int | None = None  # when the producer created it (ms), for end-to-end latency


class OutputRecord(NamedTuple):
    """A record to produce: what a stage decided, not yet sent. The producer picks the partition
    from the key, as Kafka's default partitioner does."""

    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] | None = None  # a list: aiokafka's record builder takes no tuple


class Reason(StrEnum):
    """Why a record went to the dead-letter topic: the codes of ``schemas/deadletter.v1.json``."""

    RECORD_TOO_LARGE = "record_too_large"
    INVALID_UTF8 = "invalid_utf8"
    MALFORMED_JSON = "malformed_json"
    NOT_AN_OBJECT = "not_an_object"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    OVERSIZED_FIELD = "oversized_field"
    INVALID_PRICE = "invalid_price"
    UNKNOWN_CURRENCY = "unknown_currency"
    INVALID_TIMESTAMP = "invalid_timestamp"
    UNSUPPORTED_VERSION = "unsupported_version"
    SCHEMA_VIOLATION = "schema_violation"
    PROCESSING_ERROR = "processing_error"
    UNKNOWN_DECISION = "unknown_decision"  # an enforcement outcome for a listing or decision counterscan never made


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that cannot be used, with its reason code and a detail its producer can act on."""

    reason: Reason
    detail: str


class Route(StrEnum):
    """Where a scored listing goes."""

    TAKEDOWN = "takedown"
    REVIEW = "review"
    CLEAR = "clear"
