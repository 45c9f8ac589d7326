"""From a contract-valid listing dict to the flat, typed record that scoring reads."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline.currency import to_usd
from pipeline.text import fold
from pipeline.validation import parse_timestamp

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


@dataclass(frozen=True, slots=True)
class NormalizedListing:
    listing_id: str
    marketplace: str
    revision: int
    url: str | None
    seller_id: str
    seller_age_days: float  # NaN when the marketplace did not say
    seller_rating: float  # NaN when absent
    seller_feedback_count: int
    category: str
    price_usd: float
    quantity: int
    ships_from: str | None
    title: str  # folded
    text: str  # title, declared brand and description head as written: what brand matching reads
    declared_brand: str | None
    image_phashes: tuple[int, ...]
    observed_at: datetime
    observed_at_text: str


def canonical_category(path: str | None) -> str:
    if not path:
        return "other"
    words = set(fold(path).replace("/", " ").replace(">", " ").replace("-", " ").split())
    for name, keys in _CATEGORY_WORDS:
        if words.intersection(keys) or any(k in path for k in keys if not k.isascii()):
            return name
    return "other"


def seller_age_days(seller: dict[str, Any], observed_at: datetime) -> float:
    try:
        created = parse_timestamp(seller["created_at"])
    except (KeyError, ValueError, TypeError):
        return math.nan  # absent or unreadable: the contract does not assert the format
    return max(0.0, (observed_at - created).total_seconds() / 86400.0)


def normalize(listing: dict[str, Any]) -> NormalizedListing:
    seller = listing["seller"]
    observed_at = parse_timestamp(listing["observed_at"])
    description = listing.get("description") or ""
    declared = listing.get("brand") or None
    title = listing.get("title") or ""
    return NormalizedListing(
        listing_id=listing["listing_id"],
        marketplace=listing["marketplace"].casefold(),
        revision=int(listing.get("revision", 0)),
        url=listing.get("url"),
        seller_id=seller["id"],
        seller_age_days=seller_age_days(seller, observed_at),
        seller_rating=float(seller.get("rating", math.nan)),
        seller_feedback_count=int(seller.get("feedback_count", 0)),
        category=canonical_category(listing.get("category")),
        price_usd=to_usd(float(listing["price"]["amount"]), listing["price"]["currency"]),
        quantity=int(listing.get("quantity", 1)),
        ships_from=listing.get("ships_from"),
        title=fold(title),
        text=f"{title}\n{declared or ''}\n{description[:SCAN_DESCRIPTION_CHARS]}",
        declared_brand=declared,
        image_phashes=tuple(int(h, 16) for h in listing.get("image_phashes", ())),
        observed_at=observed_at,
        observed_at_text=listing["observed_at"],
    )
