"""Brand protection profiles and the matcher that finds protected brands in listings.

One compiled regular expression covers every alias, misspelling and keyword of
every brand, so a listing is scanned once however large the catalog grows.
Aliases match through leetspeak, masked letters and spacing; a match that is
not literally in the text is flagged as obfuscated, a strong counterfeit tell.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from pipeline.text import fold, plain

DEFAULT_CATALOG = Path(__file__).resolve().parent / "data" / "brands.json"
SCAN_CHARS = 4096  # of a description: bounds the work one listing can cause

_LEET = {
    "a": "a4@", "b": "b8", "e": "e3€", "g": "g9", "i": "i1!l|", "l": "l1i|", "o": "o0",
    "s": "s5$", "t": "t7+", "z": "z2",
}
_GAP = r"[\s.\-_·'/]{0,2}"  # spacing and punctuation dropped between letters


@dataclass(frozen=True, slots=True)
class AuthorizedSeller:
    marketplace: str
    seller_id: str


@dataclass(frozen=True, slots=True)
class BrandProfile:
    brand_id: str
    display_name: str
    aliases: tuple[str, ...]
    misspellings: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    reference_prices_usd: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    authorized_sellers: frozenset[AuthorizedSeller] = frozenset()
    takedown_threshold: float | None = None
    review_threshold: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping) -> BrandProfile:
        return cls(
            brand_id=data["brand_id"],
            display_name=data["display_name"],
            aliases=tuple(data["aliases"]),
            misspellings=tuple(data.get("misspellings", ())),
            keywords=tuple(data.get("keywords", ())),
            reference_prices_usd=MappingProxyType(
                {cat: (float(lo), float(hi)) for cat, (lo, hi) in data.get("reference_prices_usd", {}).items()}
            ),
            authorized_sellers=frozenset(
                AuthorizedSeller(s["marketplace"], s["seller_id"]) for s in data.get("authorized_sellers", ())
            ),
            takedown_threshold=data.get("thresholds", {}).get("takedown"),
            review_threshold=data.get("thresholds", {}).get("review"),
        )

    def reference_low_usd(self, category: str) -> float | None:
        """Lowest retail price for the category, or for the brand's cheapest category when unknown."""
        if category in self.reference_prices_usd:
            return self.reference_prices_usd[category][0]
        if not self.reference_prices_usd:
            return None
        return min(lo for lo, _ in self.reference_prices_usd.values())


@dataclass(frozen=True, slots=True)
class BrandMatch:
    brand_id: str
    evidence: str  # "alias", "misspelling" or "keyword"
    obfuscated: bool
    text: str


def _letter_class(ch: str, first: bool) -> str:
    variants = _LEET.get(ch, ch)
    if not first and ch.isalpha():
        variants += "*"
    return "[" + re.escape(variants) + "]" if len(variants) > 1 else re.escape(variants)


def alias_pattern(alias: str, fuzzy: bool = True) -> str:
    """Regex for an alias in folded text: leet digits, a masked letter, dropped spacing.

    Latin patterns must also start a word; the catalog adds that lookbehind.
    """
    folded = fold(alias)
    if not folded.isascii():  # CJK names: matched literally, there is no spelling to bend
        return re.escape(folded)
    if not fuzzy or len(folded.replace(" ", "")) <= 3:  # "lv", "ysl": too short to bend safely
        return re.escape(folded) + r"(?![a-z0-9])"
    parts = []
    for index, ch in enumerate(folded):
        if ch == " ":
            parts.append(r"[\W_]{0,3}")
        else:
            parts.append(_letter_class(ch, index == 0) + (_GAP if index < len(folded) - 1 else ""))
    return "".join(parts) + r"(?![a-z])"


@dataclass(frozen=True, slots=True)
class _Term:
    brand_id: str
    evidence: str
    skeleton: str
    pattern: re.Pattern[str]


def skeleton(folded: str) -> str:
    """Letters only, with leet digits read as letters and i/l merged: a cheap prefilter key."""
    return _NOT_LETTER.sub("", folded.translate(_SKELETON))


_SKELETON = str.maketrans("1l|!03€4@$57+928", "iiiioeeaassttgbz")
_NOT_LETTER = re.compile(r"[^a-z\u0080-\U0010ffff]+")


class BrandCatalog:
    """The brand profiles in force, and the matcher built from all of them.

    Every term has a skeleton; a substring test of skeletons (C speed) rules out
    almost every listing before any regular expression runs.
    """

    def __init__(self, profiles: Iterable[BrandProfile]) -> None:
        self.profiles: Mapping[str, BrandProfile] = MappingProxyType({p.brand_id: p for p in profiles})
        self._terms: list[_Term] = []
        for profile in self.profiles.values():
            for evidence, terms, fuzzy in (
                ("alias", profile.aliases, True),
                ("misspelling", profile.misspellings, False),
                ("keyword", profile.keywords, False),
            ):
                for term in dict.fromkeys(fold(t) for t in terms):
                    folded = term
                    start = r"(?<![a-z0-9])" if folded.isascii() else ""
                    self._terms.append(_Term(profile.brand_id, evidence, skeleton(folded),
                                             re.compile(start + alias_pattern(term, fuzzy))))
        self._literal_aliases = {
            p.brand_id: tuple(plain(a) for a in p.aliases) for p in self.profiles.values()
        }
        self._declared = {fold(t): p.brand_id for p in self.profiles.values() for t in (*p.aliases, *p.misspellings)}

    @classmethod
    def load(cls, path: Path = DEFAULT_CATALOG) -> BrandCatalog:
        return cls(BrandProfile.from_dict(entry) for entry in json.loads(path.read_text(encoding="utf-8")))

    def find(self, text: str) -> list[BrandMatch]:
        """Every protected brand term in the text, in order of appearance."""
        folded = fold(text)
        masked = "*" in folded  # a masked letter defeats the skeleton prefilter
        squeezed = skeleton(folded)
        found: list[tuple[int, _Term, str]] = []
        for term in self._terms:
            if masked or term.skeleton in squeezed:
                found.extend((m.start(), term, m.group()) for m in term.pattern.finditer(folded))
        if not found:
            return []
        found.sort(key=lambda item: item[0])
        literal = plain(text)
        return [
            BrandMatch(term.brand_id, term.evidence,
                       term.evidence == "alias" and not any(a in literal for a in self._literal_aliases[term.brand_id]),
                       matched)
            for _, term, matched in found
        ]

    def declared_brand(self, declared: str | None) -> str | None:
        """Catalog id of a seller-declared brand field, if it names a protected brand."""
        if not declared:
            return None
        return self._declared.get(fold(declared))

    def is_authorized(self, brand_id: str, marketplace: str, seller_id: str) -> bool:
        return AuthorizedSeller(marketplace, seller_id) in self.profiles[brand_id].authorized_sellers
