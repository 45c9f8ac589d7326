"""Words sellers of counterfeits use to tell buyers what they really sell, in several languages.

Matched in folded text (see :mod:`pipeline.text`), so accents and look-alike
letters do not hide them. Short Latin terms must stand alone as words: ``aaa``
in ``aaa battery`` is still a hit, ``oem`` inside ``poem`` is not.
"""

from __future__ import annotations

import re

from pipeline.text import fold

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


class CounterfeitVocabulary:
    """Counts distinct counterfeit terms in a text with substring tests, then word checks on hits."""

    def __init__(self, terms: dict[str, tuple[str, ...]] = COUNTERFEIT_TERMS) -> None:
        folded = dict.fromkeys(fold(t) for group in terms.values() for t in group)
        self._plain: list[str] = []
        self._bounded: list[tuple[str, re.Pattern[str]]] = []
        for term in folded:
            if term.isascii() and len(term) <= 5:
                self._bounded.append((term, re.compile(r"(?<![a-z0-9])" + re.escape(term) + r"(?![a-z0-9])")))
            else:
                self._plain.append(term)

    def find(self, folded_text: str) -> list[str]:
        hits = [t for t in self._plain if t in folded_text]
        hits += [t for t, pattern in self._bounded if t in folded_text and pattern.search(folded_text)]
        return hits
