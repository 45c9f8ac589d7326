"""What condition a listing says its item is in: new, used, vintage or refurbished.

Condition explains a price. A worn bag at a third of retail is what resale
marketplaces are full of; the same bag "new with tags" at a third of retail is
not. The marketplace's condition field is read first (its whole value, then
its words); without one, the title and description are searched with the
condition phrases of every language in ``pipeline/data/vocabulary/``. When
the text names both new and a secondhand state ("like new", "new condition,
worn twice"), the secondhand state wins: sellers of new stock have no reason
to mention wear.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from pipeline.text.batch import TextBatch
from pipeline.text.fold import fold
from pipeline.text.vocabulary import CONDITIONS, LanguageVocabulary, TermVocabulary, load_vocabularies

__all__ = ["CONDITION_NAMES", "SECONDHAND", "UNKNOWN", "ConditionReader"]

UNKNOWN = 0
CONDITION_NAMES = ("unknown", *CONDITIONS)  # a listing's condition code indexes this
_CODE = {name: code for code, name in enumerate(CONDITION_NAMES)}
SECONDHAND = frozenset(_CODE[c] for c in ("used", "vintage", "refurbished"))
# Which state a text that names several is read as: the most specific secondhand one first.
_PRECEDENCE = tuple(_CODE[c] for c in ("vintage", "refurbished", "used", "new"))


class ConditionReader:
    """Reads the condition of every listing of a batch, as codes into :data:`CONDITION_NAMES`."""

    def __init__(self, vocabularies: Mapping[str, LanguageVocabulary] | None = None) -> None:
        vocabularies = load_vocabularies() if vocabularies is None else vocabularies
        phrases: dict[str, list[str]] = {c: [] for c in CONDITIONS}
        field_values: dict[str, int] = {}
        for vocabulary in vocabularies.values():
            for condition in CONDITIONS:
                phrases[condition].extend(vocabulary.condition[condition])
                for value in vocabulary.condition_field[condition]:
                    field_values.setdefault(fold(value), _CODE[condition])
        self.phrases: tuple[str, ...] = tuple(t for c in CONDITIONS for t in phrases[c])  # every condition phrase
        self._phrases = TermVocabulary(phrases)
        self._class_of = {fold(t): _CODE[c] for c in reversed(CONDITIONS) for t in phrases[c]}
        self._field_values = field_values
        self._field_memo: dict[str, int] = {}

    def read_batch(self, batch: TextBatch, fields: Sequence[str | None], rows: np.ndarray | None = None) -> np.ndarray:
        """Per listing, the condition code: from its field when that says, else from its text. With
        ``rows`` (indices), only those listings are read (the others stay unknown): condition only
        matters where a brand's price is at stake."""
        return self.codes(fields, self._phrases.find_batch(batch, rows), rows)

    def codes(self, fields: Sequence[str | None], phrases: Sequence[tuple[str, ...]],
              rows: np.ndarray | None = None) -> np.ndarray:
        """Condition codes from each listing's field and the condition phrases already found in
        its text (by a search that covered :attr:`phrases`, perhaps with other vocabularies)."""
        wanted = range(len(fields)) if rows is None else rows.tolist()
        codes = np.zeros(len(fields), dtype=np.int8)
        for row in wanted:
            if fields[row]:
                codes[row] = self._field(fields[row])
        for row, terms in enumerate(phrases):
            if terms and codes[row] == UNKNOWN:
                codes[row] = self._strongest(terms)
        return codes

    def _strongest(self, terms: Sequence[str]) -> int:
        found = {self._class_of[t] for t in terms}
        return next(code for code in _PRECEDENCE if code in found)

    def _field(self, value: str) -> int:
        try:
            return self._field_memo[value]
        except KeyError:
            if len(self._field_memo) > 10_000:  # marketplaces use a handful of values; bound the memo anyway
                self._field_memo.clear()
            folded = fold(value)
            code = self._field_values.get(folded)
            if code is None:
                terms = self._phrases.find(value)
                code = self._strongest(terms) if terms else UNKNOWN
            self._field_memo[value] = code
            return code
