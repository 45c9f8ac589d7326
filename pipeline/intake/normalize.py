"""From a contract-valid listing dict to the flat, typed record that scoring reads."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from pipeline.intake.currency import USD_RATES
from pipeline.text.fold import fold
from pipeline.timestamps import parse_timestamp

SCAN_DESCRIPTION_CHARS = 4096  # bounds the text work one listing can cause

# Marketplace category paths vary; scoring compares prices within these.
_CATEGORY_WORDS = (
    ("watches", ("watch", "watches", "timepiece", "uhr", "uhren", "armbanduhr", "montre", "montres", "orologio",
                 "orologi", "reloj", "relojes", "手表", "腕表", "腕時計", "時計", "시계")),
    ("shoes", ("shoe", "shoes", "sneaker", "sneakers", "boots", "sandals", "heels", "loafers", "trainers", "schuhe",
               "chaussures", "baskets", "scarpe", "zapatos", "zapatillas", "tenis", "鞋", "スニーカー", "シューズ", "靴",
               "신발", "운동화", "스니커즈")),
    ("bags", ("bag", "bags", "handbag", "handbags", "tote", "backpack", "purse", "luggage", "clutch", "tasche", "taschen",
              "handtasche", "handtaschen", "sac", "sacs", "bagagerie", "maroquinerie", "borsa", "borse", "bolso", "bolsos", "bolsa", "包", "バッグ",
              "가방")),
    ("jewelry", ("jewelry", "jewellery", "necklace", "bracelet", "ring", "rings", "earrings", "schmuck", "bijoux",
                 "gioielli", "joyas", "首饰", "项链", "手镯", "ジュエリー", "ネックレス", "주얼리", "목걸이")),
    ("accessories", ("accessories", "belt", "belts", "wallet", "wallets", "scarf", "scarves", "sunglasses", "hat", "caps",
                     "gurtel", "geldborse", "portemonnaie", "ceinture", "portefeuille", "cintura", "portafoglio",
                     "cinturon", "billetera", "accessoires", "accessori", "accesorios", "zubehor", "carre",
                     "foulard", "tuch", "halstuch", "schal", "sciarpa", "panuelo", "bufanda", "丝巾", "スカーフ", "스카프", "钱包", "腰带", "围巾", "財布", "ベルト", "マフラー", "지갑", "벨트")),
    ("apparel", ("apparel", "clothing", "clothes", "shirt", "tshirt", "t-shirt", "hoodie", "jacket", "dress", "coat", "jeans",
                 "kleidung", "jacke", "vetements", "veste", "abbigliamento", "giacca", "ropa", "chaqueta", "衣服", "外套",
                 "ジャケット", "의류", "자켓")),
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
    condition: str | None = None  # the marketplace's condition field as written (its head), if it gave one


def canonical_category(path: str | None, title: str | None = None) -> str:
    """One of :data:`CATEGORIES`. A path that names one category decides; one that names several
    ("Accessoires & Bagagerie") or none leaves it to the title's words ("Carré Hermès": a scarf).
    Marketplaces reuse a few thousand paths, so the path's reading is memoized."""
    found = _CATEGORY_MEMO.get(path) if path else ()
    if found is None:
        found = _path_categories(path)  # type: ignore[arg-type]
    if len(found) == 1:
        return found[0]
    if isinstance(title, str) and title:
        for category in _categorize(title[:256]):
            if not found or category in found:
                return category
    return found[0] if found else "other"


def _path_categories(path: str) -> tuple[str, ...]:
    """The categories a path names; of several, the ones its last segment names, if that narrows it
    ("jewelry-watches/watches" is a watch, "Mode > Accessoires & Bagagerie" still needs the title)."""
    if len(_CATEGORY_MEMO) > 100_000:
        _CATEGORY_MEMO.clear()
    found = _categorize(path)
    if len(found) > 1:
        last = _categorize(re.split(r"[/>]", path)[-1])
        found = tuple(c for c in found if c in last) or found
    _CATEGORY_MEMO[path] = found
    return found


_WORD_SEPARATORS = str.maketrans("/>-&", "    ")
_LATIN_KEYS = tuple((name, frozenset(k for k in keys if k.isascii())) for name, keys in _CATEGORY_WORDS)
_OTHER_KEYS = tuple((name, tuple(k for k in keys if not k.isascii())) for name, keys in _CATEGORY_WORDS)


def _categorize(text: str) -> tuple[str, ...]:
    words = set(fold(text).translate(_WORD_SEPARATORS).split())
    plain = text.isascii()
    return tuple(name for (name, latin), (_, other) in zip(_LATIN_KEYS, _OTHER_KEYS)
                 if not latin.isdisjoint(words) or (not plain and any(k in text for k in other)))


_CATEGORY_MEMO: dict[str, tuple[str, ...]] = {}


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
        canonical_category(get("category"), get("title")),
        float(price["amount"]) * rates[price["currency"]],
        int(get("quantity", 1)),
        get("ships_from"),
        _matching_text(get("title"), declared, get("description")),
        declared,
        tuple(get("image_phashes", ())),
        observed_text,
        tuple(seller.get("contact_hashes", ())),
        _condition(get("condition")),
    )


CONDITION_CHARS = 64


def _condition(value: object) -> str | None:
    """The condition field if it is text; the contract lets it be anything, and anything else says nothing."""
    return value[:CONDITION_CHARS] if isinstance(value, str) and value else None
