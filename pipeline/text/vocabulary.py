"""Vocabularies that change what a brand mention means, in several languages:
the words sellers of counterfeits use to tell buyers what they really sell, and
the words of accessories made to fit a branded product.

Matched in folded text (see :mod:`pipeline.text.fold`), so accents and look-alike
letters do not hide them. Short Latin terms must stand alone as words: ``aaa``
in ``aaa battery`` is still a hit, ``oem`` inside ``poem`` is not.
"""

from __future__ import annotations

import re

from pipeline.text.batch import TermSet, TextBatch
from pipeline.text.fold import fold

COUNTERFEIT_TERMS: dict[str, tuple[str, ...]] = {
    "en": ("replica", "1:1", "aaa", "aaa+", "mirror quality", "mirror image quality", "super copy", "supercopy",
           "inspired by", "dupe", "oem", "unbranded", "knockoff", "knock off", "high copy", "top copy",
           "same as original", "ua quality", "1to1", "fake"),
    "zh": ("高仿", "复刻", "a货", "原单", "精仿", "仿品", "超a"),
    "fr": ("réplique", "copie", "imitation", "contrefaçon", "inspiré de", "qualité miroir"),
    "es": ("réplica", "imitación", "copia", "inspirado en", "calidad espejo", "falsificación"),
    "it": ("replica", "imitazione", "copia", "ispirato a", "qualità specchio", "falso"),
    "de": ("replik", "nachbildung", "imitat", "fälschung", "kopie", "inspiriert von", "spiegelqualität"),
}

# Words of accessories made to fit a branded product: they name the brand legitimately.
COMPATIBILITY_TERMS: dict[str, tuple[str, ...]] = {
    "en": ("compatible with", "compatible for", "fits", "fit for", "suitable for", "replacement", "for use with",
           "designed for", "organizer", "organiser", "insert for", "dust bag for", "cleaning kit", "protector",
           "case for", "strap for", "winder", "shoe trees"),
    "zh": ("适用于", "兼容", "适配"),
    "fr": ("compatible avec", "adapté à", "pour montre"),
    "es": ("compatible con", "repuesto"),
    "it": ("compatibile con", "ricambio"),
    "de": ("passend für", "kompatibel mit", "ersatzarmband"),
}


class TermVocabulary:
    """Finds the distinct terms of a vocabulary in each text of a batch: one automaton pass,
    then a word-boundary check for short Latin terms (``oem`` is no hit inside ``poem``)."""

    def __init__(self, terms: dict[str, tuple[str, ...]]) -> None:
        self._terms = TermSet(fold(t) for group in terms.values() for t in group)
        self._bounded = [
            re.compile(r"(?<![a-z0-9])" + re.escape(t) + r"(?![a-z0-9])") if t.isascii() and len(t) <= 5 else None
            for t in self._terms.terms
        ]

    def find(self, text: str) -> tuple[str, ...]:
        return self.find_batch(TextBatch([text]))[0]

    def find_batch(self, batch: TextBatch) -> list[tuple[str, ...]]:
        """Per text, the distinct terms found, sorted; ``()`` for most texts."""
        hits: dict[int, set[str]] = {}
        rows, ids = batch.search(self._terms)
        for row, term_id in set(zip(rows.tolist(), ids.tolist())):
            bounded = self._bounded[term_id]
            if bounded is None or bounded.search(batch.folded(row)):
                hits.setdefault(row, set()).add(self._terms.terms[term_id])
        found: list[tuple[str, ...]] = [()] * batch.size
        for row, terms in hits.items():
            found[row] = tuple(sorted(terms))
        return found
