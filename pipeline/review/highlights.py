"""Where in a listing's text a reviewer should look: brand names, disguised spellings, counterfeit words.

The scanner decides on folded text (case, accents, look-alike letters and
invisible characters removed); a reviewer reads the text as the seller wrote
it. This module finds the same terms the scanner finds and maps them back to
spans of the original, one character at a time, so ``Gucc1`` or a Cyrillic
``Guссi`` is marked where it stands. Spans are offsets, never markup: the
page renders every piece as text, so a hostile title cannot inject anything.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pipeline.brands.catalog import BrandCatalog
from pipeline.text.fold import fold
from pipeline.text.vocabulary import COUNTERFEIT_TERMS, TermVocabulary, denials

BRAND, DISGUISED, COUNTERFEIT = "brand", "disguised", "counterfeit"
KINDS = (DISGUISED, BRAND, COUNTERFEIT)  # where spans overlap, the earlier kind wins


@dataclass(frozen=True, slots=True)
class Span:
    """Characters ``start:end`` of the original text, and why they are marked."""

    start: int
    end: int
    kind: str
    term: str


@functools.cache
def _counterfeit_vocabulary() -> TermVocabulary:
    return TermVocabulary(COUNTERFEIT_TERMS, negation=denials())


def folded_with_offsets(text: str) -> tuple[str, list[int]]:
    """``text`` folded a character at a time, and for each folded character the original's index."""
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        folded = fold(char) if not char.isspace() else " "
        for piece in folded:
            out.append(piece)
            where.append(index)
    return "".join(out), where


def listing_terms(text: str, catalog: BrandCatalog, brand_terms: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(term as folded, kind) the scanner would find in ``text``: brands, disguised, counterfeit."""
    found: list[tuple[str, str]] = []
    for match in catalog.find(text):
        found.append((match.text, DISGUISED if match.obfuscated else BRAND))
    for term in (*_counterfeit_vocabulary().find(text), *brand_terms):
        found.append((term, COUNTERFEIT))
    return found


def spans(text: str, terms: list[tuple[str, str]]) -> list[Span]:
    """Non-overlapping spans of ``text`` holding each term (folded comparison), in text order."""
    folded, where = folded_with_offsets(text)
    candidates: list[Span] = []
    for term, kind in terms:
        needle = fold(term)
        if not needle:
            continue
        for hit in re.finditer(_loose(needle), folded):
            start, end = where[hit.start()], where[hit.end() - 1] + 1
            candidates.append(Span(start, end, kind, term))
    chosen: list[Span] = []
    for span in sorted(candidates, key=lambda s: (KINDS.index(s.kind), s.start, -(s.end - s.start))):
        if all(span.end <= other.start or span.start >= other.end for other in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def _loose(needle: str) -> str:
    """A pattern for a folded term: spaces inside it may be any run of spaces; a short Latin term
    only as a word of its own (``oem`` is no hit inside ``poem``), as the scanner reads it."""
    pattern = r"\s*".join(re.escape(part) for part in needle.split())
    return rf"(?<!\w){pattern}(?!\w)" if needle.isascii() and len(needle) <= 5 else pattern


def pieces(text: str, marked: list[Span]) -> list[tuple[str, str | None]]:
    """The text cut at the spans: (piece, kind or None), for a page to render each piece as text."""
    out: list[tuple[str, str | None]] = []
    at = 0
    for span in marked:
        if span.start > at:
            out.append((text[at:span.start], None))
        out.append((text[span.start:span.end], span.kind))
        at = span.end
    if at < len(text):
        out.append((text[at:], None))
    return out


# Language of a listing, for the queue filter: the script says it for CJK; Latin text by its commonest words.
_COMMON_WORDS = {
    "en": {"the", "and", "with", "for", "new", "bag", "size", "shipping", "free", "original", "quality"},
    "de": {"und", "mit", "der", "die", "das", "neu", "für", "versand", "tasche", "echt", "ist"},
    "fr": {"et", "avec", "le", "la", "les", "neuf", "pour", "sac", "livraison", "état", "très"},
    "it": {"e", "con", "il", "la", "nuovo", "per", "borsa", "spedizione", "originale", "della"},
    "es": {"y", "con", "el", "la", "nuevo", "para", "bolso", "envío", "original", "del"},
}
_WORD = re.compile(r"[^\W\d_]+")


_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile("[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_HAN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")


def guess_language(text: str) -> str | None:
    """ja, ko, zh by script; en, de, fr, it, es by common words; None when nothing says."""
    if not text.isascii():
        if _KANA.search(text):
            return "ja"
        if _HANGUL.search(text):
            return "ko"
        if _HAN.search(text):
            return "zh"
    words = _WORD.findall(text.lower())
    scores = {lang: sum(w in common for w in words) for lang, common in _COMMON_WORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] else None
