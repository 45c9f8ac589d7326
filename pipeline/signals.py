"""Explainable counterfeit signals for a whole batch of listings.

Text work (brand and vocabulary matching) is per listing by nature; everything
numeric is computed on numpy columns for the batch at once. Each signal keeps
two numbers: the value a person reads (a price ratio, an age in days) and the
feature the model weighs (a capped log discount, a flag).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.brands import BrandCatalog
from pipeline.normalize import NormalizedListing
from pipeline.text import fold
from pipeline.vocabulary import CounterfeitVocabulary

NEW_SELLER_DAYS = 30.0
BULK_UNITS = 20
MAX_LOG_DISCOUNT = 4.0  # a price at 1/55 of retail is as damning as it gets
MAX_TERMS = 3


@dataclass(frozen=True, slots=True)
class SignalSpec:
    name: str
    unit: str


SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec("brand_mentioned", "flag"),
    SignalSpec("brand_obfuscated", "flag"),
    SignalSpec("declared_brand_mismatch", "flag"),
    SignalSpec("price_ratio_to_retail", "ratio"),
    SignalSpec("counterfeit_terms", "count"),
    SignalSpec("new_seller_account", "days"),
    SignalSpec("bulk_quantity", "units"),
    SignalSpec("authorized_seller", "flag"),
)
SIGNAL_INDEX = {spec.name: i for i, spec in enumerate(SIGNALS)}


@dataclass(frozen=True, slots=True)
class SignalBatch:
    """Row i describes listing i; columns follow :data:`SIGNALS`."""

    values: np.ndarray  # float64 [n, k]: what a person reads; NaN where not applicable
    features: np.ndarray  # float64 [n, k]: what the model weighs
    brand_ids: list[str | None]
    terms: list[list[str]]
    authorized: np.ndarray  # bool [n]


class SignalExtractor:
    def __init__(self, catalog: BrandCatalog, vocabulary: CounterfeitVocabulary | None = None) -> None:
        self.catalog = catalog
        self.vocabulary = vocabulary or CounterfeitVocabulary()

    def extract(self, listings: Sequence[NormalizedListing]) -> SignalBatch:
        n = len(listings)
        mentioned = np.zeros(n)
        obfuscated = np.zeros(n)
        mismatch = np.zeros(n)
        reference = np.full(n, np.nan)
        authorized = np.zeros(n, dtype=bool)
        brand_ids: list[str | None] = []
        terms: list[list[str]] = []
        for i, listing in enumerate(listings):
            matches = self.catalog.find(listing.text)
            declared = self.catalog.declared_brand(listing.declared_brand)
            text_brand = _most_frequent([m.brand_id for m in matches]) if matches else None
            brand = text_brand or declared
            brand_ids.append(brand)
            terms.append(self.vocabulary.find(fold(listing.text)))
            if brand is None:
                continue
            mentioned[i] = 1.0
            obfuscated[i] = float(any(m.obfuscated and m.brand_id == brand for m in matches))
            mismatch[i] = float(text_brand is not None and declared != text_brand)
            reference[i] = self.catalog.profiles[brand].reference_low_usd(listing.category) or np.nan
            authorized[i] = self.catalog.is_authorized(brand, listing.marketplace, listing.seller_id)

        price = np.fromiter((x.price_usd for x in listings), float, n)
        age = np.fromiter((x.seller_age_days for x in listings), float, n)
        quantity = np.fromiter((x.quantity for x in listings), float, n)
        term_count = np.fromiter((len(t) for t in terms), float, n)

        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = price / reference
            log_discount = np.clip(-np.log(ratio), 0.0, MAX_LOG_DISCOUNT)
        log_discount = np.nan_to_num(log_discount, nan=0.0)

        values = np.column_stack([
            mentioned, obfuscated, mismatch, ratio, term_count, age, quantity, authorized.astype(float),
        ])
        features = np.column_stack([
            mentioned, obfuscated, mismatch, log_discount, np.minimum(term_count, MAX_TERMS),
            (age < NEW_SELLER_DAYS).astype(float), (quantity >= BULK_UNITS).astype(float), authorized.astype(float),
        ])
        return SignalBatch(values, features, brand_ids, terms, authorized)


def _most_frequent(items: list[str]) -> str:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return max(counts, key=lambda k: (counts[k], -items.index(k)))


def display_value(value: float, unit: str) -> float | bool | None:
    if math.isnan(value):
        return None
    if unit == "flag":
        return bool(value)
    if unit in ("count", "units"):
        return int(value)
    return round(float(value), 4)
