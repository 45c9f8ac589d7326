"""Synthetic marketplace listings with known ground truth, for demos, tests and benchmarks.

The mix imitates what a scanner sees: mostly unbranded goods, legitimate resale
and official stores of protected brands, counterfeits from blatant to quiet,
and a share of malformed records from broken feeds. Same seed, same stream.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import orjson

from pipeline.brands import BrandCatalog, BrandProfile

GENUINE, COUNTERFEIT, MALFORMED = "genuine", "counterfeit", "malformed"

MARKETPLACES = {
    "taobao": ("CNY", "CN"), "tmall": ("CNY", "CN"), "1688": ("CNY", "CN"), "xianyu": ("CNY", "CN"),
    "aliexpress": ("USD", "CN"), "ebay": ("USD", "US"), "amazon": ("USD", "US"),
}
CATEGORY_PATHS = {
    "bags": ("bags/handbags", "bags/shoulder-bags", "women/bags/totes", "luggage/backpacks"),
    "shoes": ("shoes/sneakers", "shoes/boots", "men/shoes/loafers"),
    "watches": ("watches", "watches/men", "jewelry-watches/watches"),
    "apparel": ("clothing/t-shirts", "apparel/hoodies", "women/clothing/dress"),
    "accessories": ("accessories/belts", "accessories/wallets", "accessories/scarves", "accessories/sunglasses"),
    "jewelry": ("jewelry/necklaces", "jewelry/bracelets", "jewelry/rings"),
}
ITEMS = {
    "bags": ("shoulder bag", "tote bag", "crossbody bag", "backpack", "clutch"),
    "shoes": ("sneakers", "loafers", "ankle boots", "running shoes", "slides"),
    "watches": ("automatic watch", "chronograph watch", "dress watch"),
    "apparel": ("t-shirt", "hoodie", "wool coat", "silk dress", "denim jacket"),
    "accessories": ("leather belt", "card wallet", "silk scarf", "sunglasses"),
    "jewelry": ("pendant necklace", "chain bracelet", "signet ring"),
}
COLOURS = ("black", "white", "beige", "brown", "red", "navy", "green", "pink", "gold", "silver")
ADJECTIVES = ("classic", "vintage", "new", "elegant", "casual", "premium", "minimalist", "handmade")
MATERIALS = ("leather", "canvas", "suede", "cotton", "stainless steel", "nylon", "wool")
RESALE_WORDS = ("pre-owned", "pre-loved", "gently used", "authentic, with receipt", "second hand", "vintage")
COUNTERFEIT_WORDS = ("replica", "1:1 mirror quality", "AAA", "super copy", "高仿", "A货", "réplique", "top copy",
                     "inspired by", "dupe", "Nachbildung", "copia", "OEM")
GENERIC_DESCRIPTIONS = (
    "Fast shipping. Please check the size chart before ordering.",
    "Brand new with tags. Returns accepted within 30 days.",
    "High quality materials, carefully packed, ships in 24 hours.",
    "Great gift for friends and family. Contact us with any question.",
)
MALFORMED_KINDS = (
    "invalid_json", "invalid_utf8", "missing_field", "wrong_type", "unknown_currency",
    "non_positive_price", "non_finite_price", "oversized_field", "not_an_object", "invalid_timestamp",
)


@dataclass(frozen=True, slots=True)
class GeneratedListing:
    listing_id: str
    label: str
    kind: str
    key: bytes
    value: bytes


@dataclass(frozen=True, slots=True)
class Mix:
    """Shares of each kind of record; the rest is unbranded genuine goods."""

    counterfeit: float = 0.10
    malformed: float = 0.02
    resale: float = 0.12
    official: float = 0.04


class ListingGenerator:
    def __init__(self, seed: int = 1, catalog: BrandCatalog | None = None, mix: Mix = Mix(),
                 start: datetime | None = None, id_prefix: str | None = None) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.id_prefix = f"s{seed}-" if id_prefix is None else id_prefix
        self.mix = mix
        self.catalog = catalog or BrandCatalog.load()
        self.brands = list(self.catalog.profiles.values())
        self.start = start or datetime(2026, 11, 1, tzinfo=timezone.utc)
        self.sequence = 0

    def __iter__(self) -> Iterator[GeneratedListing]:
        while True:
            yield self.next()

    def take(self, count: int) -> list[GeneratedListing]:
        return [self.next() for _ in range(count)]

    def next(self) -> GeneratedListing:
        self.sequence += 1
        listing_id = f"{self.id_prefix}{self.sequence:010d}"
        draw = self.rng.random()
        mix = self.mix
        if draw < mix.malformed:
            kind = self.rng.choice(MALFORMED_KINDS)
            return GeneratedListing(listing_id, MALFORMED, kind, listing_id.encode(), self._malformed(listing_id, kind))
        if draw < mix.malformed + mix.counterfeit:
            kind = self.rng.choice(("blatant", "obfuscated", "quiet", "keyword"))
            listing, label = self._counterfeit(listing_id, kind), COUNTERFEIT
        elif draw < mix.malformed + mix.counterfeit + mix.resale:
            kind, listing, label = "resale", self._resale(listing_id), GENUINE
        elif draw < mix.malformed + mix.counterfeit + mix.resale + mix.official:
            kind, listing, label = "official", self._official(listing_id), GENUINE
        else:
            kind, listing, label = "unbranded", self._unbranded(listing_id), GENUINE
        return GeneratedListing(listing_id, label, kind, listing_id.encode(), orjson.dumps(listing))

    # --- building blocks ----------------------------------------------------------------

    def _base(self, listing_id: str, marketplace: str, seller_id: str, age_days: float, category: str) -> dict:
        currency, country = MARKETPLACES[marketplace]
        observed = self.start + timedelta(seconds=self.sequence * 0.5)
        return {
            "schema_version": 1,
            "listing_id": listing_id,
            "marketplace": marketplace,
            "url": f"https://{marketplace}.example/item/{listing_id}",
            "revision": 0 if self.rng.random() < 0.8 else self.rng.randint(1, 5),
            "seller": {
                "id": seller_id,
                "name": f"shop {seller_id}",
                "country": country,
                "created_at": (observed - timedelta(days=age_days)).isoformat().replace("+00:00", "Z"),
                "rating": round(self.rng.uniform(3.5, 5.0), 1),
                "feedback_count": int(age_days * self.rng.uniform(0.1, 5)),
                "contact_hashes": [hashlib.sha1(f"{seller_id}/{i}".encode()).hexdigest() for i in range(2)],
            },
            "category": self.rng.choice(CATEGORY_PATHS[category]),
            "quantity": 1,
            "ships_from": country,
            "image_phashes": [f"{self.rng.getrandbits(64):016x}" for _ in range(self.rng.randint(1, 4))],
            "listed_at": (observed - timedelta(hours=self.rng.randint(1, 500))).isoformat().replace("+00:00", "Z"),
            "observed_at": observed.isoformat().replace("+00:00", "Z"),
            "_currency": currency,
        }

    def _priced(self, listing: dict, usd: float) -> dict:
        from pipeline.currency import USD_RATES

        currency = listing.pop("_currency")
        listing["price"] = {"amount": round(usd / USD_RATES[currency], 2), "currency": currency}
        return listing

    def _brand_and_category(self) -> tuple[BrandProfile, str]:
        brand = self.rng.choice(self.brands)
        category = self.rng.choice([c for c in brand.reference_prices_usd if c in ITEMS])
        return brand, category

    def _unbranded(self, listing_id: str) -> dict:
        category = self.rng.choice(list(ITEMS))
        listing = self._base(listing_id, self.rng.choice(list(MARKETPLACES)), f"gs{self.rng.randint(1, 50000)}",
                             self.rng.uniform(5, 4000), category)
        listing["title"] = (f"{self.rng.choice(ADJECTIVES).title()} {self.rng.choice(MATERIALS)} "
                            f"{self.rng.choice(ITEMS[category])} {self.rng.choice(COLOURS)}")
        listing["description"] = self.rng.choice(GENERIC_DESCRIPTIONS)
        listing["brand"] = self.rng.choice((None, "", "Unbranded", "Generic"))
        listing["quantity"] = self.rng.choice((1, 1, 2, 5, 10, 50, 200))
        return self._priced(listing, self.rng.uniform(5, 300))

    def _resale(self, listing_id: str) -> dict:
        brand, category = self._brand_and_category()
        low, high = brand.reference_prices_usd[category]
        listing = self._base(listing_id, self.rng.choice(("ebay", "xianyu", "amazon", "taobao")),
                             f"rs{self.rng.randint(1, 20000)}", self.rng.uniform(120, 4000), category)
        listing["title"] = (f"{brand.display_name} {self.rng.choice(brand.keywords)} "
                            f"{self.rng.choice(ITEMS[category])} {self.rng.choice(COLOURS)} "
                            f"{self.rng.choice(RESALE_WORDS)}")
        listing["description"] = f"Genuine {brand.display_name}, bought in store. {self.rng.choice(GENERIC_DESCRIPTIONS)}"
        listing["brand"] = brand.display_name
        return self._priced(listing, self.rng.uniform(0.35, 1.0) * self.rng.uniform(low, high))

    def _official(self, listing_id: str) -> dict:
        brands = [b for b in self.brands if b.authorized_sellers]
        brand = self.rng.choice(brands)
        seller = self.rng.choice(sorted(brand.authorized_sellers, key=lambda s: s.seller_id))
        category = self.rng.choice([c for c in brand.reference_prices_usd if c in ITEMS])
        low, high = brand.reference_prices_usd[category]
        listing = self._base(listing_id, seller.marketplace, seller.seller_id, self.rng.uniform(800, 5000), category)
        listing["title"] = f"{brand.display_name} {self.rng.choice(brand.keywords)} {self.rng.choice(ITEMS[category])}"
        listing["description"] = f"Official {brand.display_name} store. Season sale."
        listing["brand"] = brand.display_name
        listing["quantity"] = self.rng.choice((5, 20, 100))
        return self._priced(listing, self.rng.uniform(0.7, 1.0) * self.rng.uniform(low, high))

    def _counterfeit(self, listing_id: str, kind: str) -> dict:
        brand, category = self._brand_and_category()
        low, _ = brand.reference_prices_usd[category]
        new_account = self.rng.random() < 0.7
        listing = self._base(listing_id, self.rng.choice(list(MARKETPLACES)), f"cs{self.rng.randint(1, 3000)}",
                             self.rng.uniform(1, 45) if new_account else self.rng.uniform(60, 900), category)
        item = self.rng.choice(ITEMS[category])
        name = brand.display_name
        if kind == "blatant":
            title = f"{name} {self.rng.choice(brand.keywords)} {item} {self.rng.choice(COUNTERFEIT_WORDS)}"
            ratio, declared = self.rng.uniform(0.02, 0.15), self.rng.choice((name, None, ""))
        elif kind == "obfuscated":
            title = f"{obfuscate(brand.aliases[0], self.rng)} {item} {self.rng.choice(COLOURS)} top quality"
            ratio, declared = self.rng.uniform(0.02, 0.2), self.rng.choice((None, "", "OEM"))
        elif kind == "quiet":
            title = f"{name} {self.rng.choice(brand.keywords)} {item} {self.rng.choice(COLOURS)}"
            ratio, declared = self.rng.uniform(0.06, 0.3), name
        else:  # keyword: the model name and a wink, no brand
            title = f"{self.rng.choice(brand.keywords).title()} style {item} {self.rng.choice(('inspired by', 'dupe', 'AAA', '1:1'))}"
            ratio, declared = self.rng.uniform(0.02, 0.15), self.rng.choice((None, "Unbranded"))
        listing["title"] = title
        listing["description"] = self.rng.choice(GENERIC_DESCRIPTIONS)
        listing["brand"] = declared
        listing["quantity"] = self.rng.choice((1, 10, 50, 100, 500))
        return self._priced(listing, ratio * low)

    def _malformed(self, listing_id: str, kind: str) -> bytes:
        listing = self._unbranded(listing_id)
        if kind == "invalid_json":
            return orjson.dumps(listing)[:-7]
        if kind == "invalid_utf8":
            return orjson.dumps(listing).replace(b'"title":"', b'"title":"\xff\xfe', 1)
        if kind == "missing_field":
            del listing[self.rng.choice(("listing_id", "seller", "price", "observed_at", "title"))]
        elif kind == "wrong_type":
            listing["price"]["amount"] = str(listing["price"]["amount"])
        elif kind == "unknown_currency":
            listing["price"]["currency"] = "XQZ"
        elif kind == "non_positive_price":
            listing["price"]["amount"] = self.rng.choice((0, -12.5))
        elif kind == "non_finite_price":
            return json.dumps(dict(listing, price={"amount": float("nan"), "currency": "USD"})).encode()
        elif kind == "oversized_field":
            listing["title"] = "x" * 5000
        elif kind == "not_an_object":
            return orjson.dumps([listing_id, "not", "a", "listing"])
        elif kind == "invalid_timestamp":
            listing["observed_at"] = "last tuesday"
        return orjson.dumps(listing)


def obfuscate(alias: str, rng: random.Random) -> str:
    """One of the evasions real sellers use on a brand name."""
    style = rng.choice(("leet", "spaced", "masked", "cyrillic", "accent"))
    word = alias.title()
    if style == "leet":
        return word.replace("i", "1").replace("o", "0").replace("l", "1").replace("e", "3")
    if style == "spaced":
        return " ".join(word.upper())
    if style == "masked":
        return word[0] + "*" + word[2:]
    if style == "cyrillic":
        return word.replace("c", "с").replace("o", "о").replace("a", "а").replace("e", "е")
    return word.replace("c", "ċ", 1).replace("e", "è", 1).replace("a", "à", 1)
