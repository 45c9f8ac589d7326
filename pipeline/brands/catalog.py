"""Brand protection profiles and the matcher that finds protected brands in listings.

One compiled regular expression covers every alias, misspelling and keyword of
every brand, so a listing is scanned once however large the catalog grows.
Aliases match through leetspeak, masked letters and spacing; a match that is
not literally in the text is flagged as obfuscated, a strong counterfeit tell.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from pipeline.brands.images import ImageIndex
from pipeline.data import DATA_DIR
from pipeline.text.batch import TermSet, TextBatch
from pipeline.text.fold import fold, plain, skeleton

DEFAULT_CATALOG = DATA_DIR / "brands.json"

_LEET = {
    "a": "a4@", "b": "b8", "e": "e3€", "g": "g9", "i": "i1!l|", "l": "l1i|", "o": "o0",
    "s": "s5$", "t": "t7+", "z": "z2",
}
_GAP = r"[\s.\-_·'/]{0,2}"  # spacing and punctuation dropped between letters


@dataclass(frozen=True, slots=True)
class AuthorizedSeller:
    """A seller a brand has authorized on one marketplace: never taken down for that brand."""

    marketplace: str
    seller_id: str


@dataclass(frozen=True, slots=True)
class BrandProfile:
    """A protected brand: its names, rights holder, retail prices, authorized sellers, known-counterfeit images and thresholds."""

    brand_id: str
    display_name: str
    aliases: tuple[str, ...]
    rights_holder: str | None = None
    trademarks: tuple[str, ...] = ()
    misspellings: tuple[str, ...] = ()
    shorthands: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    reference_prices_usd: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    resale_prices_usd: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    # folded model name -> (category, lowest retail): a Birkin is a bag; "a strap for a Birkin" is not priced as one
    model_prices_usd: Mapping[str, tuple[str, float]] = field(default_factory=dict)
    counterfeit_terms: tuple[str, ...] = ()
    compatibility_terms: tuple[str, ...] = ()
    authorized_sellers: frozenset[AuthorizedSeller] = frozenset()
    counterfeit_phashes: tuple[int, ...] = ()
    takedown_threshold: float | None = None
    review_threshold: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping) -> BrandProfile:
        return cls(
            brand_id=data["brand_id"],
            display_name=data["display_name"],
            aliases=tuple(data["aliases"]),
            rights_holder=data.get("rights_holder"),
            trademarks=tuple(data.get("trademarks", ())),
            misspellings=tuple(data.get("misspellings", ())),
            shorthands=tuple(data.get("shorthands", ())),
            keywords=tuple(data.get("keywords", ())),
            reference_prices_usd=_price_ranges(data.get("reference_prices_usd", {})),
            resale_prices_usd=_price_ranges(data.get("resale_prices_usd", {})),
            model_prices_usd=MappingProxyType(
                {fold(k): (category, float(price)) for k, (category, price) in data.get("model_prices_usd", {}).items()}),
            counterfeit_terms=tuple(data.get("vocabulary", {}).get("counterfeit", ())),
            compatibility_terms=tuple(data.get("vocabulary", {}).get("compatibility", ())),
            authorized_sellers=frozenset(
                AuthorizedSeller(s["marketplace"], s["seller_id"]) for s in data.get("authorized_sellers", ())
            ),
            counterfeit_phashes=tuple(int(h, 16) for h in data.get("counterfeit_phashes", ())),
            takedown_threshold=data.get("thresholds", {}).get("takedown"),
            review_threshold=data.get("thresholds", {}).get("review"),
        )

    def reference_low_usd(self, category: str) -> float | None:
        """Lowest retail price for the category, or for the brand's cheapest category when unknown."""
        return _lowest(self.reference_prices_usd, category)

    def model_price_usd(self, name: str, category: str) -> float:
        """Lowest retail price of the model a folded keyword names, if it is of this category; else 0."""
        model = self.model_prices_usd.get(name)
        return model[1] if model is not None and model[0] == category else 0.0

    def resale_low_usd(self, category: str) -> float | None:
        """Lowest price an authentic secondhand item of the category fetches: the profile's own
        figure, else :data:`RESALE_SHARE` of the lowest retail price."""
        low = _lowest(self.resale_prices_usd, category) if category in self.resale_prices_usd else None
        if low is not None:
            return low
        retail = self.reference_low_usd(category)
        return None if retail is None else retail * RESALE_SHARE


# Authentic luxury goods resell for about a third to a half of retail (resale marketplaces'
# published price guides); a third is what a used item is compared against when a profile has no figure.
RESALE_SHARE = 0.35


def _price_ranges(data: Mapping[str, Sequence[float]]) -> Mapping[str, tuple[float, float]]:
    return MappingProxyType({cat: (float(lo), float(hi)) for cat, (lo, hi) in data.items()})


def _lowest(prices: Mapping[str, tuple[float, float]], category: str) -> float | None:
    if category in prices:
        return prices[category][0]
    if not prices:
        return None
    return min(lo for lo, _ in prices.values())


@dataclass(frozen=True, slots=True)
class BrandMatch:
    """A brand found in a listing's text, and whether only in a disguised spelling."""

    brand_id: str
    evidence: str  # "alias", "misspelling", "shorthand" or "keyword"
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
    folded: str
    bendable: bool
    pattern: re.Pattern[str]

    def stands_alone(self, text: bytes, start: int) -> bool:
        """A literal occurrence at byte ``start`` of the UTF-8 ``text`` is a word of its own,
        as the term's regex would demand (CJK names need no word boundary)."""
        if not self.folded.isascii():  # CJK names need no word boundary; "c家" still needs one before the c
            return not (self.folded[0].isascii() and start > 0 and _is_word_byte(text[start - 1], digits=True))
        end = start + len(self.folded)
        before_ok = start == 0 or not _is_word_byte(text[start - 1], digits=True)
        after_ok = end >= len(text) or not _is_word_byte(text[end], digits=not self.bendable)
        return before_ok and after_ok


def _is_word_byte(byte: int, digits: bool) -> bool:
    return 97 <= byte <= 122 or (digits and 48 <= byte <= 57)


def skeleton_keys(term: str) -> set[str]:
    """Skeletons a bendable alias can show: its own, and each one-letter masking
    (``G*cci`` loses the ``u``)."""
    key = skeleton(term)
    keys = {key}
    if len(key) >= 5:
        keys.update(key[:i] + key[i + 1:] for i in range(1, len(key)))
    return keys


def _bendable(term: str, fuzzy: bool) -> bool:
    return fuzzy and term.isascii() and len(term.replace(" ", "")) > 3


class BrandCatalog:
    """The brand profiles in force, and the matcher built from all of them.

    Every term is searched literally in the folded text; a hit that stands as a
    word is a match without any regex. Aliases that can be bent (leetspeak,
    spacing, a masked letter) are also searched by skeleton; only a skeleton hit
    that no literal hit explains runs the term's fuzzy regex. Both searches are
    one automaton pass over the whole batch.
    """

    def __init__(self, profiles: Iterable[BrandProfile]) -> None:
        self.profiles: Mapping[str, BrandProfile] = MappingProxyType({p.brand_id: p for p in profiles})
        self._terms: list[_Term] = []
        by_key: dict[str, list[int]] = {}  # skeleton key -> bendable terms
        by_text: dict[str, list[int]] = {}  # folded term -> terms
        for profile in self.profiles.values():
            for evidence, terms, fuzzy in (
                ("alias", profile.aliases, True),
                ("misspelling", profile.misspellings, False),
                ("shorthand", profile.shorthands, False),
                ("keyword", profile.keywords, False),
            ):
                for term in dict.fromkeys(fold(t) for t in terms):
                    bendable = _bendable(term, fuzzy)
                    index = len(self._terms)
                    if bendable:
                        for key in skeleton_keys(term):
                            by_key.setdefault(key, []).append(index)
                    by_text.setdefault(term, []).append(index)
                    start = r"(?<![a-z0-9])" if term.isascii() else ""
                    self._terms.append(_Term(profile.brand_id, evidence, term, bendable,
                                             re.compile(start + alias_pattern(term, fuzzy))))
        self._keys = TermSet(by_key)
        self._terms_of_key = [by_key[k] for k in self._keys.terms]
        self._literals = TermSet(by_text)
        self._terms_of_literal = [by_text[k] for k in self._literals.terms]
        self._literal_aliases = {
            p.brand_id: tuple(plain(a) for a in p.aliases) for p in self.profiles.values()
        }
        self._declared = {fold(t): p.brand_id for p in self.profiles.values()
                          for t in (*p.aliases, *p.misspellings, *p.shorthands)}
        self._declared_cache: dict[str, str | None] = {}
        self.brand_ids: tuple[str, ...] = tuple(self.profiles)
        self.images = ImageIndex(
            [h for p in self.profiles.values() for h in p.counterfeit_phashes],
            [i for i, p in enumerate(self.profiles.values()) for _ in p.counterfeit_phashes],
        )

    @classmethod
    def load(cls, path: Path = DEFAULT_CATALOG) -> BrandCatalog:
        return cls(BrandProfile.from_dict(entry) for entry in json.loads(path.read_text(encoding="utf-8")))

    def find(self, text: str) -> list[BrandMatch]:
        """Every protected brand term in one text, in order of appearance."""
        return self.find_batch(TextBatch([text]), [text])[0]

    def find_batch(self, batch: TextBatch, raw_texts: Sequence[str]) -> list[list[BrandMatch]]:
        """Brand terms per text of the batch; ``raw_texts`` are the unfolded texts (for obfuscation)."""
        hits: dict[int, list[tuple[int, _Term, str, bool]]] = {}  # row -> (start, term, text, bent)
        plainly: set[tuple[int, str]] = set()  # (row, brand) with an alias found as written
        rows, ids, starts = batch.locate(self._literals)
        row_texts: dict[int, bytes] = {}  # sliced once per row: a row can have thousands of hits
        for row, literal, start in zip(rows.tolist(), ids.tolist(), starts.tolist()):
            text = row_texts.get(row)
            if text is None:
                text = row_texts[row] = batch.row_bytes(row)
            for term in (self._terms[i] for i in self._terms_of_literal[literal]):
                if term.stands_alone(text, start):
                    hits.setdefault(row, []).append((start, term, term.folded, False))
                    if term.evidence == "alias":
                        plainly.add((row, term.brand_id))
        rows, keys = batch.search(self._keys, in_skeleton=True)
        for row, key in set(zip(rows.tolist(), keys.tolist())):
            for term in (self._terms[i] for i in self._terms_of_key[key]):
                if (row, term.brand_id) in plainly:
                    continue  # already found as written; bending adds nothing
                hits.setdefault(row, []).extend(
                    (m.start(), term, m.group(), True) for m in term.pattern.finditer(batch.folded(row)))
        results: list[list[BrandMatch]] = [[] for _ in range(batch.size)]
        for row, found in hits.items():
            found = sorted({(item[0], item[1].brand_id, item[1].evidence): item for item in found}.values(),
                           key=lambda item: item[0])
            literal = None if raw_texts[row].isascii() else plain(raw_texts[row])
            written: dict[str, bool] = {}  # brand -> an alias is in the raw text as written; once per brand,
            # not per match, or a text of many look-alike spellings is searched once for each of them
            results[row] = [
                BrandMatch(term.brand_id, term.evidence, term.evidence == "alias" and self._disguised(
                    term.brand_id, bent, literal, written), matched)
                for _, term, matched, bent in found
            ]
        return results

    def _disguised(self, brand_id: str, bent: bool, literal: str | None, written: dict[str, bool]) -> bool:
        """Bent spellings are disguises; so are look-alike letters and accents, which folding
        hid: then the raw text does not contain any alias as written."""
        if bent:
            return True
        if literal is None:
            return False
        if brand_id not in written:
            written[brand_id] = any(a in literal for a in self._literal_aliases[brand_id])
        return not written[brand_id]

    def declared_brand(self, declared: str | None) -> str | None:
        """Catalog id of a seller-declared brand field, if it names a protected brand."""
        if not declared:
            return None
        try:
            return self._declared_cache[declared]
        except KeyError:
            if len(self._declared_cache) > 100_000:  # brand fields repeat; bound the memo anyway
                self._declared_cache.clear()
            brand = self._declared_cache[declared] = self._declared.get(fold(declared))
            return brand

    def is_authorized(self, brand_id: str, marketplace: str, seller_id: str) -> bool:
        return AuthorizedSeller(marketplace, seller_id) in self.profiles[brand_id].authorized_sellers
