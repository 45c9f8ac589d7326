"""A compact map from 64-bit keys to int32 values, for millions of entries per worker.

Python dicts cost about 100 bytes an entry; this costs 12. Keys live in one
sorted ``uint64`` array with their values beside it, looked up a batch at a
time with ``searchsorted``. New keys go to a small dict first and are merged
into the arrays in one linear pass (no re-sort of the old keys) once it
grows, so inserting one key at a time stays cheap and lookups stay vectorised.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

MASK64 = 0xFFFF_FFFF_FFFF_FFFF
MISSING = -1


def key_of(text: str) -> int:
    """64-bit hash of an id. Python's string hash, as :mod:`pipeline.reputation` uses: stable
    within a process, and state keyed by it is rebuilt from its changelog in every process."""
    return hash(text) & MASK64


def keys_of(texts: Iterable[str], count: int) -> np.ndarray:
    """:func:`key_of` of many ids: the signed hash's two's complement is the same 64 bits."""
    return np.fromiter(map(hash, texts), dtype=np.int64, count=count).view(np.uint64)


class HashIndex:
    """uint64 key -> int32 value (``MISSING`` when absent). Values of existing keys may be replaced."""

    def __init__(self, merge_at: int = 65_536) -> None:
        self._keys = np.empty(0, dtype=np.uint64)
        self._values = np.empty(0, dtype=np.int32)
        self._pending: dict[int, int] = {}
        self._merge_at = merge_at

    def __len__(self) -> int:
        return int(self._keys.size) + len(self._pending)

    @property
    def nbytes(self) -> int:
        """Bytes held in arrays; the pending dict is bounded by ``merge_at`` entries."""
        return int(self._keys.nbytes + self._values.nbytes)

    def get(self, key: int) -> int:
        found = self._pending.get(key)
        if found is not None:
            return found
        keys = self._keys
        at = int(np.searchsorted(keys, np.uint64(key)))
        if at < keys.size and int(keys[at]) == key:
            return int(self._values[at])
        return MISSING

    def get_batch(self, keys: np.ndarray) -> np.ndarray:
        values = np.full(keys.size, MISSING, dtype=np.int32)
        if self._keys.size and keys.size:
            at = np.minimum(np.searchsorted(self._keys, keys), self._keys.size - 1)
            found = self._keys[at] == keys
            values[found] = self._values[at[found]]
        if self._pending:  # pending keys are never in the arrays: only the misses need a look
            pending = self._pending
            misses = np.flatnonzero(values == MISSING)
            for index, key in zip(misses.tolist(), keys[misses].tolist()):
                value = pending.get(key)
                if value is not None:
                    values[index] = value
        return values

    def put_new(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Many keys known to be absent (the caller looked them up), in one step."""
        self._pending.update(zip(keys.tolist(), values.tolist()))
        if len(self._pending) >= self._merge_at:
            self.merge()

    def put(self, key: int, value: int) -> None:
        keys = self._keys
        if keys.size:
            at = int(np.searchsorted(keys, np.uint64(key)))
            if at < keys.size and int(keys[at]) == key:
                self._values[at] = value
                return
        self._pending[key] = value
        if len(self._pending) >= self._merge_at:
            self.merge()

    def merge(self) -> None:
        """Pending keys into the sorted arrays: sort the few new keys, insert them in one pass."""
        if not self._pending:
            return
        new_keys = np.fromiter(self._pending.keys(), dtype=np.uint64, count=len(self._pending))
        new_values = np.fromiter(self._pending.values(), dtype=np.int32, count=len(self._pending))
        order = np.argsort(new_keys)
        new_keys, new_values = new_keys[order], new_values[order]
        at = np.searchsorted(self._keys, new_keys)
        self._keys = np.insert(self._keys, at, new_keys)
        self._values = np.insert(self._values, at, new_values)
        self._pending.clear()
