"""Text of a whole batch folded once and searched for many terms in one pass.

Per-listing string work is what limits a Python scoring loop. Each text is
folded (a fast path covers plain ASCII; with ``native``, the compiled folder of
:mod:`pipeline.text.native` folds the whole batch), the batch is joined with a NUL
separator and encoded once, and an Aho-Corasick automaton finds every
occurrence of every term in one pass over those bytes, in native code. A hit's
byte offset maps back to its listing with a binary search over the row offsets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import ahocorasick_rs
import numpy as np

from pipeline.text import native as compiled_fold
from pipeline.text.fold import IRREGULAR_SPACING, SEPARATOR, fold, skeletons_joined

_NUL = 0


class TextBatch:
    """Folded texts of a batch and their letter skeletons, joined as UTF-8 for batch-wide search."""

    def __init__(self, texts: Sequence[str], native: bool = False) -> None:
        """``native``: fold in compiled code when it is built (the same bytes; see :mod:`pipeline.text.native`)."""
        self.size = len(texts)
        if native and compiled_fold.compiled is not None:
            self.folded_bytes, self.skeleton_bytes = compiled_fold.fold_batch(texts)
        else:
            self.folded_bytes = fold_joined(texts)
            self.skeleton_bytes = skeletons_joined(self.folded_bytes)
        self._folded_starts = _row_starts(self.folded_bytes)
        self._skeleton_starts = _row_starts(self.skeleton_bytes)

    def folded(self, row: int) -> str:
        """The folded text of one row; only rows with a hit to check are ever decoded."""
        return self.row_bytes(row).decode()

    def row_bytes(self, row: int) -> bytes:
        """The folded text of one row, as the UTF-8 the byte offsets of :meth:`locate` refer to."""
        starts = self._folded_starts
        end = int(starts[row + 1]) - 1 if row + 1 < self.size else len(self.folded_bytes)
        return self.folded_bytes[int(starts[row]):end]

    def locate_in(self, terms: TermSet, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`locate` over the folded text of ``rows`` (indices) only: when few rows can matter,
        the automaton reads their bytes instead of the whole batch's."""
        if len(rows) * 4 >= self.size * 3:  # most of the batch: joining them anew costs more than it saves
            found, ids, starts = self.locate(terms)
            keep = np.isin(found, rows)
            return found[keep], ids[keep], starts[keep]
        if not len(rows):
            return _EMPTY, _EMPTY, _EMPTY
        part = _NUL_BYTE.join([self.row_bytes(r) for r in rows.tolist()])
        local, ids, offsets = _search_rows(terms, part, _row_starts(part))
        return rows[local], ids, offsets

    def search(self, terms: TermSet, in_skeleton: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(row, term index) of every occurrence, in order of position; repeats included."""
        rows, ids, _ = self.locate(terms, in_skeleton)
        return rows, ids

    def locate(self, terms: TermSet, in_skeleton: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, term index, byte offset within the row) of every occurrence."""
        if in_skeleton:
            return _search_rows(terms, self.skeleton_bytes, self._skeleton_starts)
        return _search_rows(terms, self.folded_bytes, self._folded_starts)


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
_NUL_BYTE = SEPARATOR.encode()


def fold_joined(texts: Sequence[str]) -> bytes:
    """:func:`fold` of every text, as UTF-8 joined by the separator.

    Plain ASCII texts (nearly all) are lower-cased as one joined byte string,
    an order of magnitude cheaper than ``str.lower`` per text; the others are
    folded one by one and put back in their places."""
    plain_rows = [i for i, t in enumerate(texts) if t.isascii()]
    plain_texts = [texts[i] for i in plain_rows]
    joined = SEPARATOR.join(plain_texts)
    if joined.count(SEPARATOR) != max(0, len(plain_texts) - 1):  # a text carries the separator itself
        joined = SEPARATOR.join(t.replace(SEPARATOR, " ") for t in plain_texts)
    lowered = joined.encode().lower()
    irregular = _irregularly_spaced_rows(lowered)
    if len(plain_rows) == len(texts) and not irregular:
        return lowered
    rows = lowered.split(_NUL_BYTE) if plain_texts else []
    for row in irregular:
        rows[row] = " ".join(rows[row].decode().split()).encode()
    if len(plain_rows) == len(texts):
        return _NUL_BYTE.join(rows)
    parts = [b""] * len(texts)
    for i, row in zip(plain_rows, rows):
        parts[i] = row
    for i, text in enumerate(texts):
        if not text.isascii():
            parts[i] = fold(text.replace(SEPARATOR, " ")).encode()
    return _NUL_BYTE.join(parts)


_IRREGULAR_SPACING = tuple(needle.encode() for needle in IRREGULAR_SPACING)


def _irregularly_spaced_rows(joined: bytes) -> list[int]:
    """Rows of a NUL-joined text with anything but single spaces between words. Each needle is
    one native scan of the whole batch; a row already found is skipped to its end."""
    found: set[int] = set()
    starts: np.ndarray | None = None
    for needle in _IRREGULAR_SPACING:
        at = joined.find(needle)
        while at != -1:
            if starts is None:
                starts = _row_starts(joined)
            row = int(np.searchsorted(starts, at, side="right")) - 1
            found.add(row)
            end = joined.find(_NUL_BYTE, at)
            at = -1 if end == -1 else joined.find(needle, end)
    return sorted(found)


def _search_rows(terms: TermSet, joined: bytes, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, term index, byte offset within the row) of every occurrence in texts joined by NUL,
    whose rows begin at ``starts``."""
    found = terms.automaton.find_matches_as_indexes(joined)
    if not found:
        return _EMPTY, _EMPTY, _EMPTY
    hits = np.asarray(found, dtype=np.int64)
    rows = np.searchsorted(starts, hits[:, 1], side="right") - 1
    return rows, hits[:, 0], hits[:, 1] - starts[rows]


def _row_starts(data: bytes) -> np.ndarray:
    separators = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _NUL)
    return np.concatenate(([0], separators + 1)).astype(np.int64)
