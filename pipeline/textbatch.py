"""Text of a whole batch folded once and searched for many terms in one pass.

Per-listing string work is what limits a Python scoring loop. Each text is
folded (a fast path covers plain ASCII), the batch is joined with a NUL
separator, and an Aho-Corasick automaton finds every occurrence of every term
in one pass over the joined text, in native code. A hit's position maps back
to its listing with a binary search over the text offsets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import ahocorasick_rs
import numpy as np

from pipeline.text import SEPARATOR, fold, skeleton


class TextBatch:
    """Folded texts of a batch and their letter skeletons, joined for batch-wide search."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.size = len(texts)
        self.folded: list[str] = [fold(t.replace(SEPARATOR, " ")) for t in texts]
        skeletons = [skeleton(f) for f in self.folded]
        self.folded_joined = SEPARATOR.join(self.folded)
        self.skeleton_joined = SEPARATOR.join(skeletons)
        self._folded_starts = _starts(self.folded)
        self._skeleton_starts = _starts(skeletons)

    def search(self, terms: TermSet, in_skeleton: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(row, term index) of every occurrence, in order of position; repeats included."""
        rows, ids, _ = self.locate(terms, in_skeleton)
        return rows, ids

    def locate(self, terms: TermSet, in_skeleton: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, term index, start within the row's text) of every occurrence."""
        haystack = self.skeleton_joined if in_skeleton else self.folded_joined
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
        self.automaton = ahocorasick_rs.AhoCorasick(
            self.terms or ["\x00\x00"], matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
            implementation=ahocorasick_rs.Implementation.DFA,
        )


_EMPTY = np.empty(0, dtype=np.int64)


def _starts(parts: list[str]) -> np.ndarray:
    lengths = np.fromiter((len(p) + 1 for p in parts), dtype=np.int64, count=len(parts))
    return np.concatenate(([0], np.cumsum(lengths)[:-1]))
