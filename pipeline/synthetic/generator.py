"""Synthetic marketplace listings with known ground truth, for demos, tests, training and benchmarks.

The mix imitates what a scanner sees, including the cases that make precision
hard: unbranded goods, second-hand and outlet sales of real brands, authorized
resellers, accessories made to fit branded products, and counterfeits from
blatant to quiet (plain brand name, believable price, no tell-tale words),
obfuscated, keyword-only and image-only, sold by accounts that come back,
and by counterfeiter networks that rotate accounts: one operator's accounts
share a phone number or payment account, and a fresh account keeps appearing
with its first listing while the older ones collect takedowns.
The distributions describe sellers and goods, not the scoring rules: the same
seed always gives the same stream.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import orjson

from pipeline.brands.catalog import BrandCatalog, BrandProfile
from pipeline.intake.currency import USD_RATES
from pipeline.synthetic.secondhand import counterfeit_claims, secondhand_listing, vintage_listing
from pipeline.synthetic.words import (
    ADJECTIVES,
    COLOURS,
    COMPATIBLE_ITEMS,
    DESCRIPTION_SENTENCES,
    ITEMS,
    MATERIALS,
    RESALE_WORDS,
    WINKS,
    obfuscate,
)
from pipeline.timestamps import format_timestamp, from_epoch_seconds

GENUINE, COUNTERFEIT, MALFORMED = "genuine", "counterfeit", "malformed"

MARKETPLACES = {
    "taobao": ("CNY", "CN"), "tmall": ("CNY", "CN"), "1688": ("CNY", "CN"), "xianyu": ("CNY", "CN"),
    "aliexpress": ("USD", "CN"), "ebay": ("USD", "US"), "amazon": ("USD", "US"),
}
EU_SELLER_COUNTRIES = ("FR", "IT", "DE", "ES", "GB", "US", "JP")
CATEGORY_PATHS = {
    "bags": ("bags/handbags", "bags/shoulder-bags", "women/bags/totes", "luggage/backpacks"),
    "shoes": ("shoes/sneakers", "shoes/boots", "men/shoes/loafers"),
    "watches": ("watches", "watches/men", "jewelry-watches/watches"),
    "apparel": ("clothing/t-shirts", "apparel/hoodies", "women/clothing/dress"),
    "accessories": ("accessories/belts", "accessories/wallets", "accessories/scarves", "accessories/sunglasses"),
    "jewelry": ("jewelry/necklaces", "jewelry/bracelets", "jewelry/rings"),
}
MALFORMED_KINDS = (
    "invalid_json", "invalid_utf8", "missing_field", "wrong_type", "unknown_currency",
    "non_positive_price", "non_finite_price", "oversized_field", "not_an_object", "invalid_timestamp",
)
GENUINE_KINDS = {"unbranded": 0.640, "resale": 0.090, "secondhand": 0.050, "vintage": 0.010, "outlet": 0.040,
                 "reseller": 0.030, "compatible": 0.020}
COUNTERFEIT_KINDS = {"blatant": 0.30, "obfuscated": 0.18, "quiet": 0.24, "keyword": 0.12, "image_only": 0.16}


@dataclass(frozen=True, slots=True)
class GeneratedListing:
    """One generated record (possibly malformed) with its key, kind and ground-truth label."""

    listing_id: str
    label: str
    kind: str
    key: bytes
    value: bytes
    seller_id: str = ""
    brand_id: str | None = None  # the brand the listing concerns, as ground truth knows it
    network: str | None = None  # the counterfeiter network whose account listed it, if any
    network_account: int = 0  # which of the network's accounts (0 = its first)
    first_listing: bool = False  # the first listing of a network account just opened


@dataclass(frozen=True, slots=True)
class Mix:
    """Shares of counterfeit and malformed records; genuine kinds share the rest as GENUINE_KINDS says."""

    counterfeit: float = 0.10
    malformed: float = 0.02
    network: float = 0.30  # share of counterfeits listed by accounts of rotating counterfeiter networks
    new_account: float = 0.10  # chance a network opens a new account for its next listing


def label_line(item: GeneratedListing) -> bytes:
    """Ground truth of one listing as a JSON line (``--labels``). Listings of network accounts
    also carry ``network``, ``network_account`` and ``first_listing``; readers of the older
    four fields see no difference."""
    truth = {"listing_id": item.listing_id, "label": item.label, "kind": item.kind, "brand": item.brand_id,
             "seller_id": item.seller_id or None}
    if item.network is not None:
        truth.update(network=item.network, network_account=item.network_account, first_listing=item.first_listing)
    return orjson.dumps(truth) + b"\n"


class ListingGenerator:
    """A seeded stream of listings with ground truth, in the mix a marketplace sees; the same seed
    gives the same listings, so runs and tests can be compared."""

    def __init__(self, seed: int = 1, catalog: BrandCatalog | None = None, mix: Mix = Mix(),
                 start: datetime | None = None, id_prefix: str | None = None,
                 counterfeit_sellers: int = 3000, counterfeit_networks: int = 150) -> None:
        self.rng = random.Random(seed)
        # counterfeiter networks draw from their own generator, so the rest of the stream is what
        # the same seed gave before networks existed
        self.network_rng = random.Random(seed * 1_000_003 + 17)
        self.seed = seed
        self.id_prefix = f"s{seed}-" if id_prefix is None else id_prefix
        self.mix = mix
        self.catalog = catalog or BrandCatalog.load()
        self.brands = list(self.catalog.profiles.values())
        self.start = start or datetime(2026, 11, 1, tzinfo=timezone.utc)
        self.sequence = 0
        self.counterfeit_sellers = counterfeit_sellers
        self.counterfeit_networks = counterfeit_networks
        self._network_accounts: dict[int, list[str]] = {}
        self._account: tuple[str | None, int, bool] = (None, 0, False)
        self._seller_birth: dict[str, float] = {}
        self._brand: str | None = None
        self._genuine_builders: dict[str, Callable[[str], dict]] = {
            "unbranded": self._unbranded, "resale": self._resale, "outlet": self._outlet,
            "reseller": self._reseller, "compatible": self._compatible,
            "secondhand": lambda i: secondhand_listing(self, i), "vintage": lambda i: vintage_listing(self, i),
        }

    def __iter__(self) -> Iterator[GeneratedListing]:
        while True:
            yield self.next()

    def take(self, count: int) -> list[GeneratedListing]:
        return [self.next() for _ in range(count)]

    def next(self) -> GeneratedListing:
        self.sequence += 1
        listing_id = f"{self.id_prefix}{self.sequence:010d}"
        draw = self.rng.random()
        if draw < self.mix.malformed:
            kind = self.rng.choice(MALFORMED_KINDS)
            return GeneratedListing(listing_id, MALFORMED, kind, listing_id.encode(), self._malformed(listing_id, kind))
        self._brand = None
        self._account = (None, 0, False)
        if draw < self.mix.malformed + self.mix.counterfeit:
            label, kind = COUNTERFEIT, self._pick(COUNTERFEIT_KINDS)
            listing = self._counterfeit(listing_id, kind)
        else:
            label, kind = GENUINE, self._pick(GENUINE_KINDS)
            listing = self._genuine_builders[kind](listing_id)
        network, account, first = self._account
        return GeneratedListing(listing_id, label, kind, listing_id.encode(), orjson.dumps(listing),
                                listing["seller"]["id"], self._brand, network, account, first)

    def _pick(self, weights: dict[str, float]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    # --- building blocks ----------------------------------------------------------------

    def _observed(self) -> datetime:
        return self.start + timedelta(seconds=self.sequence * 0.5)

    def _seller(self, seller_id: str, age_days: float, country: str, contacts: list[str] | None = None) -> dict:
        observed = self._observed()
        # a returning seller keeps its account: age grows with the stream, it is not redrawn
        born = self._seller_birth.setdefault(seller_id, observed.timestamp() - age_days * 86400)
        age = max(0.0, (observed.timestamp() - born) / 86400)
        return {
            "id": seller_id,
            "name": f"shop {seller_id}",
            "country": country,
            "created_at": format_timestamp(from_epoch_seconds(born), "auto"),
            "rating": round(min(5.0, max(0.0, self.rng.gauss(4.5 if age > 90 else 4.0, 0.4))), 1),
            "feedback_count": int(age * self.rng.uniform(0.05, 3)),
            "contact_hashes": contacts or [_contact(f"{seller_id}/{i}") for i in range(2)],
        }

    def _listing(self, listing_id: str, marketplace: str, seller: dict, category: str, title: str,
                 brand: str | None, usd: float, quantity: int, ships_from: str, phashes: list[str],
                 currency: str | None = None) -> dict:
        currency = currency or MARKETPLACES[marketplace][0]
        if marketplace == "ebay" and seller["country"] in ("FR", "IT", "DE", "ES"):
            currency = "EUR"
        observed = self._observed()
        listing = {
            "schema_version": 1,
            "listing_id": listing_id,
            "marketplace": marketplace,
            "url": f"https://{marketplace}.example/item/{listing_id}",
            "revision": 0 if self.rng.random() < 0.8 else self.rng.randint(1, 5),
            "seller": seller,
            "title": title,
            "description": self._description(),
            "brand": brand,
            "category": self.rng.choice(CATEGORY_PATHS[category]),
            "price": {"amount": round(max(0.5, usd) / USD_RATES[currency], 2), "currency": currency},
            "quantity": quantity,
            "ships_from": ships_from,
            "image_phashes": phashes,
            "listed_at": format_timestamp(observed - timedelta(hours=self.rng.randint(1, 500)), "auto"),
            "observed_at": format_timestamp(observed, "auto"),
        }
        return listing

    def _description(self) -> str:
        return " ".join(self.rng.choices(DESCRIPTION_SENTENCES, k=self.rng.randint(3, 14)))

    def _photos(self, count: int | None = None) -> list[str]:
        return [f"{self.rng.getrandbits(64):016x}" for _ in range(count or self.rng.randint(1, 5))]

    def _quantity(self, typical: float) -> int:
        return max(1, int(self.rng.lognormvariate(0, 1.2) * typical))

    def _brand_and_category(self, brands: list[BrandProfile] | None = None) -> tuple[BrandProfile, str]:
        brand = self.rng.choice(brands or self.brands)
        category = self.rng.choice([c for c in brand.reference_prices_usd if c in ITEMS])
        self._brand = brand.brand_id
        return brand, category

    def _retail(self, brand: BrandProfile, category: str) -> float:
        low, high = brand.reference_prices_usd[category]
        return self.rng.uniform(low, high)

    def _genuine_seller(self, prefix: str, pool: int, marketplace: str) -> dict:
        country = MARKETPLACES[marketplace][1]
        if marketplace == "ebay":
            country = self.rng.choice(EU_SELLER_COUNTRIES)
        return self._seller(f"{prefix}{self.rng.randint(1, pool)}", self.rng.uniform(30, 4000), country)

    # --- genuine ------------------------------------------------------------------------

    def _unbranded(self, listing_id: str) -> dict:
        category = self.rng.choice(list(ITEMS))
        marketplace = self.rng.choice(list(MARKETPLACES))
        seller = self._seller(f"gs{self.rng.randint(1, 50000)}", self.rng.expovariate(1 / 700), MARKETPLACES[marketplace][1])
        title = (f"{self.rng.choice(ADJECTIVES).title()} {self.rng.choice(MATERIALS)} "
                 f"{self.rng.choice(ITEMS[category])} {self.rng.choice(COLOURS)}")
        return self._listing(listing_id, marketplace, seller, category, title,
                             self.rng.choice((None, "", "Unbranded", "Generic", "OEM")),
                             self.rng.lognormvariate(3.3, 0.9), self._quantity(8), seller["country"], self._photos())

    def _resale(self, listing_id: str) -> dict:
        brand, category = self._brand_and_category()
        marketplace = self.rng.choice(("ebay", "xianyu", "amazon", "taobao"))
        seller = self._genuine_seller("rs", 20000, marketplace)
        title = (f"{brand.display_name} {self.rng.choice(brand.keywords)} {self.rng.choice(ITEMS[category])} "
                 f"{self.rng.choice(COLOURS)} {self.rng.choice(RESALE_WORDS)}")
        price = self._retail(brand, category) * self.rng.betavariate(5, 3)  # mostly 40-90% of new
        return self._listing(listing_id, marketplace, seller, category, title, brand.display_name, price, 1,
                             seller["country"], self._photos())

    def _outlet(self, listing_id: str) -> dict:
        brand, category = self._brand_and_category()
        marketplace = self.rng.choice(("tmall", "amazon", "ebay"))
        seller = self._genuine_seller("os", 400, marketplace)
        title = f"{brand.display_name} {self.rng.choice(ITEMS[category])} {self.rng.choice(COLOURS)} outlet sale"
        price = brand.reference_prices_usd[category][0] * self.rng.uniform(0.3, 0.7)
        return self._listing(listing_id, marketplace, seller, category, title, brand.display_name, price,
                             self._quantity(3), seller["country"], self._photos())

    def _reseller(self, listing_id: str) -> dict:
        brand, category = self._brand_and_category([b for b in self.brands if b.authorized_sellers])
        seller_ref = self.rng.choice(sorted(brand.authorized_sellers, key=lambda s: s.seller_id))
        seller = self._seller(seller_ref.seller_id, self.rng.uniform(800, 5000), MARKETPLACES[seller_ref.marketplace][1])
        title = f"{brand.display_name} {self.rng.choice(brand.keywords)} {self.rng.choice(ITEMS[category])}"
        price = self._retail(brand, category) * self.rng.uniform(0.6, 1.0)
        return self._listing(listing_id, seller_ref.marketplace, seller, category, title, brand.display_name, price,
                             self._quantity(30), seller["country"], self._photos())

    def _compatible(self, listing_id: str) -> dict:
        brand = self.rng.choice(self.brands)
        self._brand = brand.brand_id
        marketplace = self.rng.choice(list(MARKETPLACES))
        seller = self._seller(f"as{self.rng.randint(1, 5000)}", self.rng.uniform(20, 3000), MARKETPLACES[marketplace][1])
        item, category = self.rng.choice(COMPATIBLE_ITEMS)
        title = item.format(brand=brand.display_name, model=self.rng.choice(brand.keywords).title())
        return self._listing(listing_id, marketplace, seller, category, title, self.rng.choice((None, "Generic")),
                             self.rng.lognormvariate(2.7, 0.6), self._quantity(20), seller["country"], self._photos())

    # --- counterfeit --------------------------------------------------------------------

    def _counterfeit(self, listing_id: str, kind: str) -> dict:
        brand, category = self._brand_and_category()
        marketplace = self.rng.choice(list(MARKETPLACES))
        seller_id = f"cs{int(self.rng.paretovariate(0.9)) % self.counterfeit_sellers}"  # a few sellers list a lot
        fresh = self.rng.random() < 0.55
        country = self.rng.choices(("CN", "HK", "TR", "TH", "VN", "US", "GB", "FR"), (50, 12, 8, 5, 5, 10, 5, 5))[0]
        age = self.rng.uniform(0, 40) if fresh else self.rng.uniform(40, 1500)
        if self.network_rng.random() < self.mix.network:
            seller = self._network_seller(country)
        else:
            seller = self._seller(seller_id, age, country)
        item = self.rng.choice(ITEMS[category])
        low = brand.reference_prices_usd[category][0]
        name = brand.display_name
        declared: str | None = self.rng.choice((name, None, "", "OEM", "Unbranded"))
        ratio = self.rng.betavariate(1.5, 12)  # mostly 3-25% of the lowest retail price
        photos = self._photos()
        if self.rng.random() < 0.25 or kind == "image_only":  # the same product photos go round and round
            photos[0] = _near(self.rng.choice(brand.counterfeit_phashes), self.rng.randint(0, 5), self.rng)
        if kind == "blatant":  # says what it is, so it can ask more: "mirror quality" sells dearer
            title = f"{name} {self.rng.choice(brand.keywords)} {item} {self.rng.choice(WINKS)}"
            ratio = self.rng.betavariate(2, 6)
        elif kind == "obfuscated":
            title = f"{obfuscate(brand.aliases[0], self.rng)} {item} {self.rng.choice(COLOURS)} top quality"
            declared = self.rng.choice((None, "", "OEM"))
        elif kind == "quiet":
            title = f"{name} {self.rng.choice(brand.keywords)} {item} {self.rng.choice(COLOURS)}"
            declared, ratio = name, self.rng.uniform(0.12, 0.45)
        elif kind == "keyword":
            title = f"{self.rng.choice(brand.keywords).title()} style {item} {self.rng.choice(WINKS)}"
            declared = self.rng.choice((None, "Unbranded"))
        else:  # image_only: nothing in the text but the photo
            title = f"{self.rng.choice(ADJECTIVES).title()} {self.rng.choice(MATERIALS)} {item} {self.rng.choice(COLOURS)}"
            declared = self.rng.choice((None, "", "Generic"))
        ships_from = country if self.rng.random() < 0.8 else self.rng.choice(("CN", "HK"))
        listing = self._listing(listing_id, marketplace, seller, category, title, declared, ratio * low,
                                self._quantity(25), ships_from, photos)
        counterfeit_claims(listing, self.rng)
        return listing

    def _network_seller(self, country: str) -> dict:
        """An account of a counterfeiter network. Its accounts share the operator's phone or
        payment account (each account one of the two, so some are linked only through others).
        A network enters the stream with one to three accounts opened before; now and then
        it opens a new one, days old at its first listing, while the older ones keep selling
        until they are closed."""
        rng = self.network_rng
        network = int(rng.paretovariate(0.8)) % self.counterfeit_networks  # a few run at scale
        accounts = self._network_accounts.get(network)
        if accounts is None:
            accounts = self._network_accounts[network] = [f"cn{network}-{i}" for i in range(rng.randint(1, 3))]
            for seller_id in accounts:  # aged like any counterfeit seller's account
                age = rng.uniform(0, 40) if rng.random() < 0.55 else rng.uniform(40, 1500)
                self._seller_birth[seller_id] = self._observed().timestamp() - age * 86400
        first = rng.random() < self.mix.new_account
        if first:
            accounts.append(f"cn{network}-{len(accounts)}")
        index = len(accounts) - 1 if first else rng.randrange(max(0, len(accounts) - 4), len(accounts))
        seller_id = accounts[index]
        self._account = (f"cn{network}", index, first)
        shared = _contact(f"cn{network}/{'phone' if index % 2 else 'payment'}")
        bridge = _contact(f"cn{network}/{'payment' if index % 2 else 'phone'}")
        contacts = [shared, _contact(f"{seller_id}/mail")] + ([bridge] if index % 3 == 0 else [])
        return self._seller(seller_id, rng.uniform(0, 3), country, contacts)  # the age counts for new accounts only

    # --- malformed ----------------------------------------------------------------------

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


def _contact(point: str) -> str:
    """A contact hash as marketplaces share them: a digest, never the phone number itself."""
    return hashlib.sha1(point.encode()).hexdigest()


def _near(phash: int, flips: int, rng: random.Random) -> str:
    """A re-encoded, cropped copy of a known image: a few bits of its hash differ."""
    for bit in rng.sample(range(64), flips):
        phash ^= 1 << bit
    return f"{phash:016x}"
