"""Perceptual-hash matching of listing images against known-counterfeit images.

Hashes are 64-bit; similar images differ in few bits. A multi-index lookup on
four 16-bit chunks finds every known hash within ``EXACT_RADIUS`` bits (by the
pigeonhole principle one chunk is untouched) and most within ``MATCH_RADIUS``,
without comparing each listing image to every known hash.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CHUNKS = 4
CHUNK_BITS = 16
EXACT_RADIUS = CHUNKS - 1
MATCH_RADIUS = 6
NO_MATCH = 64


class ImageIndex:
    """Known-counterfeit image hashes of every brand, searched by Hamming distance a batch at a time."""

    def __init__(self, hashes: Sequence[int], owners: Sequence[int]) -> None:
        self.hashes = np.asarray(hashes, dtype=np.uint64)
        self.owners = np.asarray(owners, dtype=np.int64)
        # per chunk: the known hashes ordered by that chunk's value, and where each of the 2**16
        # values starts in that order, so a chunk's candidates are found by indexing, not searching
        self._sorted: list[tuple[np.ndarray, np.ndarray]] = []
        every_value = np.arange((1 << CHUNK_BITS) + 1, dtype=np.uint64)
        for c in range(CHUNKS):
            keys = (self.hashes >> np.uint64(c * CHUNK_BITS)) & np.uint64(0xFFFF)
            order = np.argsort(keys, kind="stable")
            starts = np.searchsorted(keys[order], every_value, side="left").astype(np.int64)
            self._sorted.append((starts, order))

    def __len__(self) -> int:
        return int(self.hashes.size)

    def nearest(self, query: np.ndarray, query_rows: np.ndarray, rows: int,
                radius: int = MATCH_RADIUS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row: the smallest distance to a known hash (``NO_MATCH`` if none within
        ``radius``), the index of that known hash and its owner (-1 where none)."""
        best = np.full(rows, NO_MATCH, dtype=np.int64)
        owner = np.full(rows, -1, dtype=np.int64)
        which = np.full(rows, -1, dtype=np.int64)
        if not len(self) or not query.size:
            return best, which, owner
        query = query.astype(np.uint64)
        for c, (starts, order) in enumerate(self._sorted):
            chunk = ((query >> np.uint64(c * CHUNK_BITS)) & np.uint64(0xFFFF)).astype(np.int64)
            lo = starts[chunk]
            hi = starts[chunk + 1]
            counts = hi - lo
            if not counts.any():
                continue
            q_index = np.repeat(np.arange(query.size), counts)
            offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            known = order[np.repeat(lo, counts) + offsets]
            distance = np.bitwise_count(query[q_index] ^ self.hashes[known]).astype(np.int64)
            close = distance <= radius
            if not close.any():
                continue
            r, d, k = query_rows[q_index[close]], distance[close], known[close]
            # keep the closest per row: sort by (row, distance), take the first of each row
            sequence = np.lexsort((d, r))
            r, d, k = r[sequence], d[sequence], k[sequence]
            first = np.concatenate(([True], r[1:] != r[:-1]))
            r, d, k = r[first], d[first], k[first]
            better = d < best[r]
            best[r[better]] = d[better]
            which[r[better]] = k[better]
            owner[r[better]] = self.owners[k[better]]
        return best, which, owner
