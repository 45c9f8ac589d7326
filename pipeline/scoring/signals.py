"""Explainable counterfeit signals for a whole batch of listings.

Text is folded and searched once per batch (:mod:`pipeline.text.batch`), images
are matched with one vectorized lookup, and everything numeric is computed on
numpy columns. Each signal keeps two numbers: the value a person reads (a price
ratio, an age in days) and the feature the model weighs (a capped log
discount, a flag).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.brands.catalog import RESALE_SHARE, BrandCatalog, BrandMatch
from pipeline.brands.images import MATCH_RADIUS, NO_MATCH
from pipeline.intake.normalize import NormalizedListing
from pipeline.scoring.condition import SECONDHAND, ConditionReader
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.networks.types import Link, NetworkLookup, PreparedBatch
from pipeline.sellers.reputation import ReputationBook
from pipeline.text.batch import TextBatch
from pipeline.text.vocabulary import (
    COMPATIBILITY_TERMS,
    COUNTERFEIT_TERMS,
    ScopedVocabulary,
    TermVocabularies,
    denials,
    merged,
)

NEW_SELLER_DAYS = 30.0
# Below this share of the price its condition explains (retail when new, resale when used), a price
# is evidence by itself: outlets and sales stop near half of retail, resale near a third.
IMPLAUSIBLE_PRICE_RATIO = 0.3
BULK_UNITS = 20
MAX_LOG_DISCOUNT = 4.0  # a price at 1/55 of retail is as damning as it gets
MAX_TERMS = 3
# Origins that customs seizure reports (EU, US CBP) name most often for counterfeit goods.
HIGH_RISK_ORIGINS = frozenset({"CN", "HK", "TR"})


@dataclass(frozen=True, slots=True)
class SignalSpec:
    """One signal: its name, unit and what a reviewer reads it as."""

    name: str
    unit: str


SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec("brand_mentioned", "flag"),
    SignalSpec("brand_obfuscated", "flag"),
    SignalSpec("declared_brand_mismatch", "flag"),
    SignalSpec("price_ratio_to_retail", "ratio"),
    SignalSpec("secondhand", "condition"),
    SignalSpec("counterfeit_terms", "count"),
    SignalSpec("accessory_for_brand", "flag"),
    SignalSpec("image_match_bits", "bits"),
    SignalSpec("seller_confirmed_takedowns", "count"),
    SignalSpec("network_confirmed_takedowns", "count"),
    SignalSpec("new_seller_account", "days"),
    SignalSpec("bulk_quantity", "units"),
    SignalSpec("ships_from_risk", "flag"),
    SignalSpec("authorized_seller", "flag"),
)


@dataclass(frozen=True, slots=True)
class SignalBatch:
    """Row i describes listing i; columns follow :data:`SIGNALS`."""

    values: np.ndarray  # float64 [n, k]: what a person reads; NaN where not applicable
    features: np.ndarray  # float64 [n, k]: what the model weighs
    brand_ids: list[str | None]
    terms: list[tuple[str, ...]]
    authorized: np.ndarray  # bool [n]
    reference_usd: np.ndarray  # float64 [n]: the retail (or, secondhand, resale) price compared against; NaN if none
    image_matches: list[str | None]  # the known counterfeit image hash matched, as hex
    network: NetworkLookup  # the accounts each listing's seller is linked to, and the worst of them
    # a young account linked to sellers with confirmed takedowns: never cleared, whatever the score
    must_review: np.ndarray  # bool [n]
    # direct evidence of counterfeiting (vocabulary, a known image, a disguised name, an implausible price,
    # takedowns of the seller or its network): no takedown without it, however high the score
    evidence: np.ndarray  # bool [n]
    conditions: np.ndarray  # int8 [n]: condition codes, see pipeline.scoring.condition
    sellers: PreparedBatch  # the batch's sellers and points as the networks resolved them, for learning


class _BrandColumns:
    def __init__(self, n: int) -> None:
        self.ids: list[str | None] = [None] * n
        self.branded = np.zeros(n)
        self.mentioned = np.zeros(n)
        self.obfuscated = np.zeros(n)
        self.mismatch = np.zeros(n)
        self.reference = np.full(n, np.nan)
        self.authorized = np.zeros(n, dtype=bool)


class SignalExtractor:
    """Extracts every signal of a batch of normalized listings as numpy columns, a batch at a time:
    per-listing Python would cost more than the scoring math."""

    def __init__(self, catalog: BrandCatalog, reputation: ReputationBook | None = None,
                 networks: SellerNetworks | None = None, native: bool = False) -> None:
        """``native``: fold the batch's text in compiled code, as the scanner's ``native`` setting says."""
        self.catalog = catalog
        self.native = native
        self.reputation = reputation if reputation is not None else ReputationBook()
        self.networks = networks if networks is not None else SellerNetworks()
        self.conditions = ConditionReader()
        # counterfeit words, accessory wording and condition phrases: one search of the batch for all three
        self.vocabularies = TermVocabularies(
            {"counterfeit": [t for terms in COUNTERFEIT_TERMS.values() for t in terms],
             "compatibility": [t for terms in COMPATIBILITY_TERMS.values() for t in terms],
             "condition": self.conditions.phrases},
            negations={"counterfeit": denials()})
        # a profile's own words count in listings of its brand only
        profiles = catalog.profiles.values()
        self.brand_counterfeit_terms = ScopedVocabulary({p.brand_id: p.counterfeit_terms for p in profiles},
                                                        negation=denials())
        self.brand_compatibility_terms = ScopedVocabulary({p.brand_id: p.compatibility_terms for p in profiles})

    def extract(self, listings: Sequence[NormalizedListing]) -> SignalBatch:
        n = len(listings)
        texts = [x.text for x in listings]
        batch = TextBatch(texts, self.native)
        matches = self.catalog.find_batch(batch, texts)
        image_bits, image_known, image_brand = self._image_matches(listings)
        # the rows that can concern a brand: brands are resolved, and condition and vocabulary (which only
        # change what a brand mention means) are read, there alone
        declared = self.catalog.declared_brand
        candidates = np.flatnonzero([bool(found) or declared(x.declared_brand) is not None
                                     for found, x in zip(matches, listings)] | (image_brand >= 0))
        words = self.vocabularies.find_batch(batch, candidates)
        conditions = self.conditions.codes([x.condition for x in listings], words["condition"], candidates)
        secondhand = np.isin(conditions, list(SECONDHAND))
        brands = self._brands(listings, matches, image_brand, secondhand, candidates)
        terms = merged(words["counterfeit"], self.brand_counterfeit_terms.find_batch(batch, brands.ids))
        fits = merged(words["compatibility"], self.brand_compatibility_terms.find_batch(batch, brands.ids))

        numbers = np.array(
            [(x.price_usd, x.seller_age_days, x.quantity, x.ships_from in HIGH_RISK_ORIGINS) for x in listings],
            dtype=float,
        ).reshape(n, 4)
        price, age, quantity, risky_origin = numbers.T
        term_count = np.fromiter(map(len, terms), float, n)
        seller_ids = [x.seller_id for x in listings]
        takedowns = self.reputation.confirmed_takedowns_batch(seller_ids).astype(float)
        known = self.catalog.images.hashes
        matches_hex = [None if k < 0 else f"{int(known[k]):016x}" for k in image_known.tolist()]
        sellers = self.networks.prepare(seller_ids, [x.contact_hashes for x in listings],
                                        [(h,) if h else () for h in matches_hex])
        network = self.networks.lookup_prepared(sellers)
        linked_takedowns = network.takedowns.astype(float)

        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = price / brands.reference
            log_discount = np.nan_to_num(np.clip(-np.log(ratio), 0.0, MAX_LOG_DISCOUNT), nan=0.0)
        branded = brands.branded
        # an accessory that also speaks the counterfeit vocabulary is not exempt
        accessory = branded * np.fromiter(map(bool, fits), float, n) * (term_count == 0)
        matched = image_bits < NO_MATCH
        image_shown = np.where(matched, image_bits, np.nan)
        image_feature = np.where(matched, (MATCH_RADIUS + 1 - image_bits) / (MATCH_RADIUS + 1), 0.0)
        authorized = brands.authorized.astype(float)

        values = np.column_stack([
            brands.mentioned, brands.obfuscated, brands.mismatch, ratio, conditions, term_count, accessory, image_shown,
            takedowns, linked_takedowns, age, quantity, risky_origin, authorized,
        ])
        features = np.column_stack([
            brands.mentioned, brands.obfuscated, brands.mismatch, log_discount, branded * secondhand,
            # "replica" in an unbranded listing (a scale model, a replica chair) infringes nobody's mark
            branded * np.minimum(term_count, MAX_TERMS),
            accessory, image_feature, np.log1p(takedowns), np.log1p(linked_takedowns),
            # a new account, a pallet of stock or a risky origin say little about unbranded goods
            branded * (age < NEW_SELLER_DAYS), branded * (quantity >= BULK_UNITS), branded * risky_origin,
            authorized,
        ])
        must_review = (age < NEW_SELLER_DAYS) & (linked_takedowns > 0)  # NaN age compares False
        with np.errstate(invalid="ignore"):
            implausible = ratio < IMPLAUSIBLE_PRICE_RATIO  # NaN (no reference) compares False
        evidence = ((branded * term_count > 0) | matched | (brands.obfuscated > 0) | implausible
                    | (takedowns > 0) | (linked_takedowns > 0))
        return SignalBatch(values, features, brands.ids, terms, brands.authorized, brands.reference, matches_hex,
                           network, must_review, evidence, conditions, sellers)

    def learn(self, listings: Sequence[NormalizedListing], signals: SignalBatch, seen_at: str | None = None) -> list[Link]:
        """Link each listing's seller to its contact points, and to the known-counterfeit image it
        matched if any (an ordinary photo links nobody), after the batch is scored: the links the
        state did not have, for the changelog. ``seen_at`` defaults to each listing's observed_at."""
        stamps = [x.observed_at_text for x in listings] if seen_at is None else seen_at
        return self.networks.link_prepared(signals.sellers, stamps)

    def _brands(self, listings: Sequence[NormalizedListing], matches: list[list[BrandMatch]],
                image_brand: np.ndarray, secondhand: np.ndarray, rows: np.ndarray) -> _BrandColumns:
        """Which brand each listing concerns, and the brand signals. Only ``rows`` are looked at
        (a brand match, a declared catalog brand or an image match); the rest stay unbranded."""
        n = len(listings)
        columns = _BrandColumns(n)
        catalog = self.catalog
        for i in rows.tolist():
            listing, found = listings[i], matches[i]
            declared = catalog.declared_brand(listing.declared_brand)
            text_brand = _most_frequent([m.brand_id for m in found]) if found else None
            brand = text_brand or declared or (catalog.brand_ids[image_brand[i]] if image_brand[i] >= 0 else None)
            if brand is None:
                continue
            columns.ids[i] = brand
            columns.branded[i] = 1.0
            columns.mentioned[i] = float(text_brand is not None or declared is not None)
            columns.obfuscated[i] = float(any(m.obfuscated and m.brand_id == brand for m in found))
            columns.mismatch[i] = float(text_brand is not None and declared != text_brand)
            profile = catalog.profiles[brand]
            # a named model (Birkin, Submariner, Jordan 1) has its own price, above its category's lowest
            model = max((profile.model_price_usd(m.text, listing.category) for m in found
                         if m.evidence in _MODEL_EVIDENCE and m.brand_id == brand), default=0.0)
            if secondhand[i]:
                reference = max(profile.resale_low_usd(listing.category) or 0.0, model * RESALE_SHARE)
            else:
                reference = max(profile.reference_low_usd(listing.category) or 0.0, model)
            columns.reference[i] = reference or np.nan
            columns.authorized[i] = catalog.is_authorized(brand, listing.marketplace, listing.seller_id)
        return columns

    def _image_matches(self, listings: Sequence[NormalizedListing]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        counts = np.fromiter((len(x.image_phashes) for x in listings), np.int64, len(listings))
        hexes = "".join(h for x in listings for h in x.image_phashes)
        hashes = np.frombuffer(bytes.fromhex(hexes), dtype=">u8").astype(np.uint64)
        rows = np.repeat(np.arange(len(listings)), counts)
        return self.catalog.images.nearest(hashes, rows, len(listings))


_MODEL_EVIDENCE = frozenset({"keyword", "shorthand"})  # what names a model; an alias names only the brand


def _most_frequent(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return max(counts, key=lambda k: (counts[k], -items.index(k)))
