"""From a contract-valid listing dict to the flat, typed record that scoring reads."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from pipeline.intake.currency import USD_RATES
from pipeline.text.fold import fold
from pipeline.timestamps import parse_timestamp

SCAN_DESCRIPTION_CHARS = 4096  # bounds the text work one listing can cause

# Marketplace category paths vary; scoring compares prices within these.
_CATEGORY_WORDS = (
    ("watches", ("watch", "watches", "timepiece", "手表")),
    ("shoes", ("shoe", "shoes", "sneaker", "sneakers", "boots", "sandals", "heels", "loafers", "trainers", "鞋")),
    ("bags", ("bag", "bags", "handbag", "handbags", "tote", "backpack", "purse", "luggage", "clutch", "包")),
    ("jewelry", ("jewelry", "jewellery", "necklace", "bracelet", "ring", "rings", "earrings")),
    ("accessories", ("accessories", "belt", "belts", "wallet", "wallets", "scarf", "scarves", "sunglasses", "hat", "caps")),
    ("apparel", ("apparel", "clothing", "clothes", "shirt", "tshirt", "t-shirt", "hoodie", "jacket", "dress", "coat", "jeans")),
)
CATEGORIES = tuple(name for name, _ in _CATEGORY_WORDS) + ("other",)


class NormalizedListing(NamedTuple):
    """One listing as scoring reads it. A named tuple, not a frozen dataclass: it is built
    for every listing on the hot path, and tuple construction is several times cheaper."""

    listing_id: str
    marketplace: str
    revision: int
    url: str | None
    seller_id: str
    seller_age_days: float  # NaN when the marketplace did not say
    category: str
    price_usd: float
    quantity: int
    ships_from: str | None
    text: str  # title, declared brand and description head as written: what brand matching reads
    declared_brand: str | None
    image_phashes: tuple[str, ...]  # 16 hex digits each, as the contract has them
    observed_at_text: str
    # hashes of the seller's contact points, as the marketplace shares them: links accounts into networks
    contact_hashes: tuple[str, ...] = ()


def canonical_category(path: str | None) -> str:
    """One of :data:`CATEGORIES`; marketplaces reuse a few thousand paths, so answers are memoized."""
    if not path:
        return "other"
    try:
        return _CATEGORY_MEMO[path]
    except KeyError:
        if len(_CATEGORY_MEMO) > 100_000:
            _CATEGORY_MEMO.clear()
        category = _CATEGORY_MEMO[path] = _categorize(path)
        return category


def _categorize(path: str) -> str:
    words = set(fold(path).replace("/", " ").replace(">", " ").replace("-", " ").split())
    for name, keys in _CATEGORY_WORDS:
        if words.intersection(keys) or any(k in path for k in keys if not k.isascii()):
            return name
    return "other"


_CATEGORY_MEMO: dict[str, str] = {}


def seller_age_days(seller: dict[str, Any], observed_at: datetime) -> float:
    created = seller.get("created_at")
    if created is None:
        return math.nan
    try:
        opened = parse_timestamp(created)
    except (ValueError, TypeError):
        return math.nan  # unreadable: the contract does not assert the format
    return max(0.0, (observed_at - opened).total_seconds() / 86400.0)


def _matching_text(title: str | None, declared: str | None, description: str | None) -> str:
    """Title, declared brand and the head of the description, kept apart by a mark that no
    multi-word term can span."""
    head = (description or "")[:SCAN_DESCRIPTION_CHARS]
    return f"{title or ''} ; {declared} ; {head}" if declared else f"{title or ''} ; {head}"


def normalize(listing: dict[str, Any], rates: Mapping[str, float] = USD_RATES) -> NormalizedListing:
    get = listing.get
    seller = listing["seller"]
    observed_text = listing["observed_at"]
    observed_at = parse_timestamp(observed_text)
    declared = get("brand") or None
    price = listing["price"]
    return NormalizedListing(
        listing["listing_id"],
        listing["marketplace"].casefold(),
        int(get("revision", 0)),
        get("url"),
        seller["id"],
        seller_age_days(seller, observed_at),
        canonical_category(get("category")),
        float(price["amount"]) * rates[price["currency"]],
        int(get("quantity", 1)),
        get("ships_from"),
        _matching_text(get("title"), declared, get("description")),
        declared,
        tuple(get("image_phashes", ())),
        observed_text,
        tuple(seller.get("contact_hashes", ())),
    )
