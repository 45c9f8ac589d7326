"""Vocabularies that change what a brand mention means, in several languages:
the words sellers of counterfeits use to tell buyers what they really sell, the
words of accessories made to fit a branded product, and the neutral phrases
that contain such words and say neither ("not a replica", "fits true to size").

The words are data, one file per language under ``pipeline/data/vocabulary/``
(schema ``schemas/vocabulary.v1.json``): a brand-protection team adds its
market's slang without touching code. Matched in folded text (see
:mod:`pipeline.text.fold`), so accents and look-alike letters do not hide them.
Short Latin terms must stand alone as words: ``aaa`` in ``aaa grade`` is a hit,
``oem`` inside ``poem`` is not. Matching is leftmost-longest, so a neutral
phrase that starts at or before a term swallows it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

import numpy as np

from pipeline.data import DATA_DIR
from pipeline.text.batch import TermSet, TextBatch
from pipeline.text.fold import fold

VOCABULARY_DIR = DATA_DIR / "vocabulary"
CONDITIONS = ("new", "used", "vintage", "refurbished")


@dataclass(frozen=True, slots=True)
class LanguageVocabulary:
    """The scoring words of one language, as its data file gives them."""

    language: str
    counterfeit: tuple[str, ...]
    compatibility: tuple[str, ...]
    neutral: tuple[str, ...]
    condition: Mapping[str, tuple[str, ...]]
    condition_field: Mapping[str, tuple[str, ...]]
    negation_before: tuple[str, ...] = ()
    negation_after: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping) -> LanguageVocabulary:
        def by_condition(section: Mapping) -> Mapping[str, tuple[str, ...]]:
            return MappingProxyType({c: tuple(section.get(c, ())) for c in CONDITIONS})

        negation = data.get("negation", {})
        return cls(data["language"], tuple(data["counterfeit"]), tuple(data["compatibility"]), tuple(data["neutral"]),
                   by_condition(data["condition"]), by_condition(data["condition_field"]),
                   tuple(negation.get("before", ())), tuple(negation.get("after", ())))


@cache
def load_vocabularies(directory: Path = VOCABULARY_DIR) -> Mapping[str, LanguageVocabulary]:
    """Every language file of ``directory``, by language."""
    vocabularies = (LanguageVocabulary.from_dict(json.loads(p.read_text(encoding="utf-8")))
                    for p in sorted(directory.glob("*.json")))
    return MappingProxyType({v.language: v for v in vocabularies})


def _by_language(section: str) -> dict[str, tuple[str, ...]]:
    return {lang: getattr(v, section) for lang, v in load_vocabularies().items()}


COUNTERFEIT_TERMS: dict[str, tuple[str, ...]] = _by_language("counterfeit")
COMPATIBILITY_TERMS: dict[str, tuple[str, ...]] = _by_language("compatibility")
NEUTRAL_TERMS: tuple[str, ...] = tuple(t for terms in _by_language("neutral").values() for t in terms)
_ARTICLES = ("a", "an", "the", "any", "un", "une", "una", "uno", "ein", "eine", "einen", "des", "de", "di", "del", "el",
             "la", "le", "il", "lo")
_WINDOW = 24  # bytes looked at on each side of a hit for a denial


class Negation:
    """Denials and hedges right next to a term: "not a replica", "si es falso", "偽物ではありません".
    Such an occurrence counts neither way: sellers of fakes deny too."""

    def __init__(self, before: Iterable[str], after: Iterable[str]) -> None:
        def alternatives(words: Iterable[str]) -> str:
            return "|".join(re.escape(fold(w)) for w in sorted(set(words), key=len, reverse=True))

        articles = alternatives(_ARTICLES)
        self._before = re.compile(rf"(?:^|[^a-z])(?:{alternatives(before)})\s*(?:(?:{articles})\s+)?$")
        self._after = re.compile(rf"^\s*(?:{alternatives(after)})")

    def denies(self, text: bytes, start: int, end: int) -> bool:
        """Whether the hit at bytes ``start:end`` of the folded UTF-8 ``text`` is denied or hedged."""
        before = text[max(0, start - _WINDOW):start].decode(errors="ignore")
        after = text[end:end + _WINDOW].decode(errors="ignore")
        return bool(self._before.search(before) or self._after.search(after))


def denials() -> Negation:
    """The negation words of every language file."""
    vocabularies = load_vocabularies().values()
    return Negation((w for v in vocabularies for w in v.negation_before), (w for v in vocabularies for w in v.negation_after))


class TermVocabularies:
    """Several vocabularies searched in one automaton pass over a batch, then a word-boundary
    check for short Latin terms (``oem`` is no hit inside ``poem``). ``neutral`` phrases are
    matched too and never reported; a vocabulary given a ``negation`` drops the occurrences it
    says are denied. One pass instead of one per vocabulary: the automaton reads every byte of
    the batch each time."""

    def __init__(self, vocabularies: Mapping[str, Iterable[str]], neutral: Iterable[str] = NEUTRAL_TERMS,
                 negations: Mapping[str, Negation] | None = None) -> None:
        kinds: dict[str, set[str]] = {}
        for kind, terms in vocabularies.items():
            for term in terms:
                kinds.setdefault(fold(term), set()).add(kind)
        self._names = tuple(vocabularies)
        self._terms = TermSet([*sorted(kinds), *(fold(t) for t in neutral)])
        self._kinds = [tuple(sorted(kinds.get(t, ()))) for t in self._terms.terms]
        self._reported = np.array([bool(k) for k in self._kinds], dtype=bool)
        self._lengths = [len(t.encode()) for t in self._terms.terms]
        self._bounded = [t.isascii() and len(t) <= 5 for t in self._terms.terms]
        self._negations = dict(negations or {})

    def find_batch(self, batch: TextBatch, rows: np.ndarray | None = None) -> dict[str, list[tuple[str, ...]]]:
        """Per vocabulary, per text, the distinct terms found, sorted; ``()`` for most texts. With
        ``rows`` (indices), only those texts are looked at: the automaton still reads the batch once,
        and the checks each hit needs in Python are spent only where a term can matter."""
        if rows is None:
            found_rows, ids, starts = batch.locate(self._terms)
        else:
            found_rows, ids, starts = batch.locate_in(self._terms, np.asarray(rows, dtype=np.int64))
        keep = self._reported[ids]
        hits: dict[tuple[str, int], set[str]] = {}
        texts: dict[int, bytes] = {}  # sliced once per row
        terms, lengths, bounded, negations = self._terms.terms, self._lengths, self._bounded, self._negations
        for row, term_id, start in zip(found_rows[keep].tolist(), ids[keep].tolist(), starts[keep].tolist()):
            term = terms[term_id]
            text = texts.get(row)
            if text is None:
                text = texts[row] = batch.row_bytes(row)
            end = start + lengths[term_id]
            if bounded[term_id] and not _stands_alone(text, start, end):
                continue
            for kind in self._kinds[term_id]:
                negation = negations.get(kind)
                if negation is not None and negation.denies(text, start, end):
                    continue
                hits.setdefault((kind, row), set()).add(term)
        found: dict[str, list[tuple[str, ...]]] = {kind: [()] * batch.size for kind in self._names}
        for (kind, row), row_terms in hits.items():
            found[kind][row] = tuple(sorted(row_terms))
        return found


class TermVocabulary:
    """One vocabulary (see :class:`TermVocabularies`): the distinct terms found in each text."""

    def __init__(self, terms: Mapping[str, Iterable[str]], neutral: Iterable[str] = NEUTRAL_TERMS,
                 negation: Negation | None = None) -> None:
        self._search = TermVocabularies({"": [t for group in terms.values() for t in group]}, neutral,
                                        {"": negation} if negation is not None else None)

    def find(self, text: str) -> tuple[str, ...]:
        return self.find_batch(TextBatch([text]))[0]

    def find_batch(self, batch: TextBatch, rows: np.ndarray | None = None) -> list[tuple[str, ...]]:
        """Per text, the distinct terms found, sorted; with ``rows``, only those texts."""
        return self._search.find_batch(batch, rows)[""]


def _stands_alone(text: bytes, start: int, end: int) -> bool:
    """The bytes ``start:end`` of folded text are a word of their own: no letter or digit touches them."""
    return ((start == 0 or not _is_alnum(text[start - 1]))
            and (end >= len(text) or not _is_alnum(text[end])))


def _is_alnum(byte: int) -> bool:
    return 97 <= byte <= 122 or 48 <= byte <= 57


class ScopedVocabulary:
    """Terms that count only in some listings: a brand profile's own counterfeit slang ("UA" for a
    sneaker brand) is evidence in a listing of that brand, and noise anywhere else."""

    def __init__(self, terms_by_scope: Mapping[str, Iterable[str]], negation: Negation | None = None) -> None:
        self._scopes: dict[str, set[str]] = {}
        for scope, terms in terms_by_scope.items():
            for term in terms:
                self._scopes.setdefault(fold(term), set()).add(scope)
        self._vocabulary = TermVocabulary({"": tuple(self._scopes)}, negation=negation) if self._scopes else None

    def find_batch(self, batch: TextBatch, scopes: Sequence[str | None]) -> list[tuple[str, ...]]:
        """Per text, the distinct terms found that belong to its scope (``None``: no scope, no terms)."""
        if self._vocabulary is None:
            return [()] * batch.size
        rows = np.flatnonzero([scope is not None for scope in scopes])
        return [tuple(t for t in found if scope in self._scopes[t]) if found and scope else ()
                for found, scope in zip(self._vocabulary.find_batch(batch, rows), scopes)]


def merged(first: Sequence[tuple[str, ...]], second: Sequence[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Row by row, the distinct terms of both, sorted."""
    return [tuple(sorted({*a, *b})) if b else a for a, b in zip(first, second)]
