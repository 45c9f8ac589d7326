"""One reader and one writer for every ISO 8601 timestamp counterscan handles.

Listings arrive with timestamps written by many marketplaces, some with an
offset and some without; records leave with timestamps that downstream
services compare as strings. Reading them in one place means a naive time is
UTC everywhere, and writing them in one place means every record ends in
``Z`` with the same precision for the same field.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

__all__ = ["Precision", "format_timestamp", "from_epoch_seconds", "parse_timestamp", "utc_now"]

Precision = Literal["auto", "seconds", "milliseconds"]


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 with an offset; a timestamp without one is read as UTC. Raises ``ValueError``."""
    stamp = datetime.fromisoformat(text)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp


def format_timestamp(moment: datetime, precision: Precision = "milliseconds") -> str:
    """``2026-12-01T14:26:51.123Z``: records carry milliseconds, state topics whole seconds,
    generated listings whatever precision their moment has (``auto``)."""
    return moment.isoformat(timespec=precision).replace("+00:00", "Z")


def from_epoch_seconds(seconds: float) -> datetime:
    """A UTC moment from seconds since the epoch, as compact state columns store them."""
    return datetime.fromtimestamp(seconds, timezone.utc)


def utc_now() -> datetime:
    """The current moment, always timezone-aware."""
    return datetime.now(timezone.utc)
