"""A compact map from 64-bit keys to int32 values, for millions of entries per worker.

Python dicts cost about 100 bytes an entry; this costs 12. Keys live in sorted
``uint64`` arrays with their values beside them, looked up a batch at a time
with ``searchsorted``. Three levels keep both inserts and lookups cheap: new
keys go to a small dict; when it fills, it is merged into a smaller sorted
array (a linear pass over a few hundred thousand entries); when that grows
to an eighth of the main array, it is merged into the main one. A batch
lookup touches the dict only for keys neither array holds, the genuinely new.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

MASK64 = 0xFFFF_FFFF_FFFF_FFFF
MISSING = -1
RECENT_MIN = 262_144  # the middle level merges into the main one beyond max(this, main / 8)


def key_of(text: str) -> int:
    """64-bit hash of an id. Python's string hash, as :mod:`pipeline.sellers.reputation` uses: stable
    within a process, and state keyed by it is rebuilt from its changelog in every process."""
    return hash(text) & MASK64


def keys_of(texts: Iterable[str], count: int) -> np.ndarray:
    """:func:`key_of` of many ids: the signed hash's two's complement is the same 64 bits."""
    return np.fromiter(map(hash, texts), dtype=np.int64, count=count).view(np.uint64)


class _SortedLevel:
    """Sorted keys and their values; replaced whole on merge, changed in place on update."""

    def __init__(self) -> None:
        self.keys = np.empty(0, dtype=np.uint64)
        self.values = np.empty(0, dtype=np.int32)

    def find(self, key: int) -> int:
        """Position of ``key``, or -1."""
        at = int(np.searchsorted(self.keys, np.uint64(key)))
        return at if at < self.keys.size and int(self.keys[at]) == key else -1

    def fill(self, keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> None:
        """values[i] = value of keys[i] for the positions ``wanted`` (indices) found here."""
        if not self.keys.size or not wanted.size:
            return
        query = keys[wanted]
        at = np.minimum(np.searchsorted(self.keys, query), self.keys.size - 1)
        found = self.keys[at] == query
        values[wanted[found]] = self.values[at[found]]

    def insert(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Keys not present yet, in one linear pass: sort the new ones, insert them in place."""
        order = np.argsort(keys)
        keys, values = keys[order], values[order]
        at = np.searchsorted(self.keys, keys)
        self.keys = np.insert(self.keys, at, keys)
        self.values = np.insert(self.values, at, values)


class HashIndex:
    """uint64 key -> int32 value (``MISSING`` when absent). Values of existing keys may be replaced.
    Every key lives in exactly one level."""

    def __init__(self, merge_at: int = 4096) -> None:
        self._main = _SortedLevel()
        self._recent = _SortedLevel()
        self._pending: dict[int, int] = {}
        self._merge_at = merge_at

    def __len__(self) -> int:
        return int(self._main.keys.size + self._recent.keys.size) + len(self._pending)

    @property
    def nbytes(self) -> int:
        """Bytes held in arrays; the pending dict is bounded by ``merge_at`` entries."""
        return sum(int(level.keys.nbytes + level.values.nbytes) for level in (self._main, self._recent))

    def get(self, key: int) -> int:
        found = self._pending.get(key)
        if found is not None:
            return found
        for level in (self._recent, self._main):
            at = level.find(key)
            if at >= 0:
                return int(level.values[at])
        return MISSING

    def get_batch(self, keys: np.ndarray) -> np.ndarray:
        values = np.full(keys.size, MISSING, dtype=np.int32)
        self._main.fill(keys, values, np.arange(keys.size))
        if self._recent.keys.size:
            self._recent.fill(keys, values, np.flatnonzero(values == MISSING))
        if self._pending:
            pending = self._pending
            misses = np.flatnonzero(values == MISSING)
            for index, key in zip(misses.tolist(), keys[misses].tolist()):
                value = pending.get(key)
                if value is not None:
                    values[index] = value
        return values

    def put(self, key: int, value: int) -> None:
        for level in (self._main, self._recent):
            at = level.find(key) if level.keys.size else -1
            if at >= 0:
                level.values[at] = value
                return
        self._pending[key] = value
        if len(self._pending) >= self._merge_at:
            self.merge()

    def put_new(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Many keys known to be absent (the caller looked them up), in one step."""
        self._pending.update(zip(keys.tolist(), values.tolist()))
        if len(self._pending) >= self._merge_at:
            self.merge()

    def merge(self, everything: bool = False) -> None:
        """Pending keys into the recent level, and that into the main one when it has grown
        (or when ``everything``: one sorted array, as a rebuilt worker wants it)."""
        if self._pending:
            count = len(self._pending)
            self._recent.insert(np.fromiter(self._pending.keys(), dtype=np.uint64, count=count),
                                np.fromiter(self._pending.values(), dtype=np.int32, count=count))
            self._pending.clear()
        if self._recent.keys.size and (everything or self._recent.keys.size > max(RECENT_MIN, self._main.keys.size // 8)):
            self._main.insert(self._recent.keys, self._recent.values)
            self._recent = _SortedLevel()
