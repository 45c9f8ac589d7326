"""Which points each seller holds, kept small enough to sit beside the seller networks.

:class:`pipeline.sellers.networks.graph.SellerNetworks` keeps points as 64-bit hashes: it
knows who is linked, not by what. A reviewer looking at a network wants the
links themselves (kind, which point, since when), so every applied link is
also recorded here, in numpy columns: the seller's 64-bit key, the kind, the
first :data:`PREFIX_CHARS` characters of the point and the first-seen time in
seconds, 25 bytes a link. Only the prefix is kept: the point is already a hash
of a contact, and a short prefix is enough to tell two points apart on a
screen without the full value travelling any further.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np

from pipeline.sellers.networks.hashindex import keys_of
from pipeline.sellers.networks.types import Link, PointKind
from pipeline.timestamps import format_timestamp, from_epoch_seconds, parse_timestamp

PREFIX_CHARS = 12
SCAN_PER_SELLER = 4  # up to this many sellers, reading the links compares once per seller
NO_TIME = 0
GROWTH = 1.5


class LinkRow(NamedTuple):
    """One link as shown to a person: never the full point."""

    seller_id: str
    kind: str
    point_prefix: str
    first_seen_at: str | None


def point_prefix(point: str) -> str:
    return point[:PREFIX_CHARS]


class LinkLog:
    """Append-only columns of links; read by seller, a network's members at a time."""

    def __init__(self) -> None:
        self._size = 0
        self._seller = np.empty(0, dtype=np.uint64)
        self._kind = np.empty(0, dtype=np.uint8)
        self._prefix = np.empty(0, dtype=f"S{PREFIX_CHARS}")
        self._seen = np.empty(0, dtype=np.uint32)  # seconds since 1970; NO_TIME when unknown

    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        return int(self._seller.nbytes + self._kind.nbytes + self._prefix.nbytes + self._seen.nbytes)

    def add(self, links: Sequence[Link]) -> None:
        """Record links; the caller passes each seller-point association once (the ones that
        changed the networks), so nothing here is deduplicated."""
        if not links:
            return
        start, end = self._size, self._size + len(links)
        if end > self._seller.size:
            capacity = max(1024, int(end * GROWTH))
            self._seller, self._kind, self._prefix, self._seen = (
                _resized(a, capacity) for a in (self._seller, self._kind, self._prefix, self._seen))
        self._seller[start:end] = keys_of((link.seller_id for link in links), len(links))
        self._kind[start:end] = [int(link.kind) for link in links]
        self._prefix[start:end] = [point_prefix(link.point).encode() for link in links]
        self._seen[start:end] = [_seconds(link.first_seen_at) for link in links]
        self._size = end

    def of(self, seller_ids: Sequence[str], limit: int = 500) -> list[LinkRow]:
        """Links of these sellers, oldest first, at most ``limit``."""
        if not self._size or not seller_ids:
            return []
        names = dict(zip(keys_of(seller_ids, len(seller_ids)).tolist(), seller_ids))
        wanted = np.sort(np.fromiter(names, np.uint64, len(names)))
        keys = self._seller[:self._size]
        if wanted.size <= SCAN_PER_SELLER:  # a comparison pass per seller
            rows = np.flatnonzero(np.isin(keys, wanted))
        else:  # one binary-search pass over millions of links, whatever the member count
            at = np.minimum(np.searchsorted(wanted, keys), wanted.size - 1)
            rows = np.flatnonzero(wanted[at] == keys)
        rows = rows[np.argsort(self._seen[rows], kind="stable")][:limit]
        return [LinkRow(names[int(self._seller[r])], PointKind(int(self._kind[r])).label,
                        self._prefix[r].decode(errors="replace"), _iso(int(self._seen[r])))
                for r in rows.tolist()]


def links_of(rows: Iterable[LinkRow]) -> dict[tuple[str, str], list[str]]:
    """(kind, point prefix) -> the sellers holding it, in first-seen order."""
    held: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        sellers = held.setdefault((row.kind, row.point_prefix), [])
        if row.seller_id not in sellers:
            sellers.append(row.seller_id)
    return held


def _seconds(stamp: str | None) -> int:
    if not stamp:
        return NO_TIME
    try:
        moment = parse_timestamp(stamp)
    except ValueError:
        return NO_TIME
    return min(max(int(moment.timestamp()), NO_TIME), 2**32 - 1)


def _iso(seconds: int) -> str | None:
    if seconds == NO_TIME:
        return None
    return format_timestamp(from_epoch_seconds(seconds), "seconds")


def _resized(array: np.ndarray, capacity: int) -> np.ndarray:
    grown = np.zeros(capacity, dtype=array.dtype)
    grown[:array.size] = array
    return grown
