"""Text of a whole batch folded once and searched for many terms in one pass.

Per-listing string work is what limits a Python scoring loop. Each text is
folded (a fast path covers plain ASCII), the batch is joined with a NUL
separator and encoded once, and an Aho-Corasick automaton finds every
occurrence of every term in one pass over those bytes, in native code. A hit's
byte offset maps back to its listing with a binary search over the row offsets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import ahocorasick_rs
import numpy as np

from pipeline.text import SEPARATOR, fold, skeleton_bytes

_NUL = 0


class TextBatch:
    """Folded texts of a batch and their letter skeletons, joined as UTF-8 for batch-wide search."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.size = len(texts)
        self.folded: list[str] = [fold(t.replace(SEPARATOR, " ") if SEPARATOR in t else t) for t in texts]
        self.folded_bytes = SEPARATOR.join(self.folded).encode()
        self.skeleton_bytes = b"\x00".join(skeleton_bytes(f) for f in self.folded)
        self._folded_starts = _row_starts(self.folded_bytes)
        self._skeleton_starts = _row_starts(self.skeleton_bytes)

    def row_bytes(self, row: int) -> bytes:
        """The folded text of one row, as the UTF-8 the byte offsets of :meth:`locate` refer to."""
        starts = self._folded_starts
        end = int(starts[row + 1]) - 1 if row + 1 < self.size else len(self.folded_bytes)
        return self.folded_bytes[int(starts[row]):end]

    def search(self, terms: TermSet, in_skeleton: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(row, term index) of every occurrence, in order of position; repeats included."""
        rows, ids, _ = self.locate(terms, in_skeleton)
        return rows, ids

    def locate(self, terms: TermSet, in_skeleton: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, term index, byte offset within the row) of every occurrence."""
        haystack = self.skeleton_bytes if in_skeleton else self.folded_bytes
        found = terms.automaton.find_matches_as_indexes(haystack)
        if not found:
            return _EMPTY, _EMPTY, _EMPTY
        hits = np.asarray(found, dtype=np.int64)
        starts = self._skeleton_starts if in_skeleton else self._folded_starts
        rows = np.searchsorted(starts, hits[:, 1], side="right") - 1
        return rows, hits[:, 0], hits[:, 1] - starts[rows]


class TermSet:
    """Terms compiled once into an automaton; indices refer to ``terms``.

    Matching is leftmost-longest and non-overlapping: ``yves saint laurent`` is
    one hit, not also ``saint laurent``; every term set here is built so that a
    longer term says at least what the shorter one inside it says.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms: list[str] = list(dict.fromkeys(t for t in terms if t))
        self.automaton = ahocorasick_rs.BytesAhoCorasick(
            [t.encode() for t in self.terms] or [b"\x00\x00"],
            matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
            implementation=ahocorasick_rs.Implementation.DFA,
        )


_EMPTY = np.empty(0, dtype=np.int64)


def _row_starts(data: bytes) -> np.ndarray:
    separators = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _NUL)
    return np.concatenate(([0], separators + 1)).astype(np.int64)
