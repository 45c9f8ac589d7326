"""Generated secondhand sales: the honest listings that look like counterfeits to a naive model.

Resale marketplaces are full of people who open an account to sell one worn
bag at a third of retail, in their own language. A generator without them
teaches a model that a young account or a low price means a fake; with them,
the model has to read the condition the listing states. Vintage pieces come
from here too, priced as the vintage market prices them.
"""

from __future__ import annotations

import random
import unicodedata
from typing import TYPE_CHECKING, Any

from pipeline.brands.catalog import BrandProfile
from pipeline.synthetic.words import DESCRIPTION_SENTENCES, ITEMS
from pipeline.text.vocabulary import load_vocabularies

if TYPE_CHECKING:
    from pipeline.synthetic.generator import ListingGenerator

__all__ = ["DENIALS", "RESALE_MARKETPLACES", "counterfeit_claims", "secondhand_listing", "vintage_listing"]

# marketplace -> (currency, seller country, language)
RESALE_MARKETPLACES = {
    "mercari": ("JPY", "JP", "ja"), "bunjang": ("KRW", "KR", "ko"), "vinted": ("EUR", "FR", "fr"),
    "kleinanzeigen": ("EUR", "DE", "de"), "subito": ("EUR", "IT", "it"), "wallapop": ("EUR", "ES", "es"),
    "xianyu": ("CNY", "CN", "zh"), "ebay": ("USD", "US", "en"), "depop": ("GBP", "GB", "en"),
}
# what honest sellers (and some dishonest ones) write about authenticity
DENIALS = ("not a replica, receipt included", "no fakes, bought in store", "100% authentic", "authentic, with receipt",
           "pas une copie", "keine Fälschung", "non è una replica", "no es réplica", "不是高仿", "偽物ではありません", "가품 아닙니다")
_PRIVATE_SENTENCES = tuple(s for s in DESCRIPTION_SENTENCES if "new" not in s.lower())  # a used item is not new
_SCRIPTS = {"ja": ("KATAKANA",), "ko": ("HANGUL",), "zh": ("CJK",)}


def secondhand_listing(generator: ListingGenerator, listing_id: str) -> dict[str, Any]:
    """A private seller's own used item: mostly a young account, one unit, a resale price."""
    rng = generator.rng
    brand, category = generator._brand_and_category()
    marketplace = rng.choice(list(RESALE_MARKETPLACES))
    currency, country, language = RESALE_MARKETPLACES[marketplace]
    young = rng.random() < 0.6
    seller = generator._seller(f"ps{rng.randint(1, 60000)}", rng.uniform(0, 30) if young else rng.uniform(30, 3000),
                               country)
    title = " ".join(part for part in (
        _brand_name(brand, language, rng), rng.choice(brand.keywords) if rng.random() < 0.6 else "",
        rng.choice(ITEMS[category]), _condition_words(language, "used", rng),
    ) if part)
    price = generator._retail(brand, category) * (0.15 + 0.6 * rng.betavariate(2.0, 3.0))  # 15-75% of retail
    listing = generator._listing(listing_id, marketplace, seller, category, title,
                                 rng.choice((brand.display_name, None, "")), price, 1, country,
                                 generator._photos(), currency=currency)
    _describe(listing, language, "used", rng)
    return listing


def vintage_listing(generator: ListingGenerator, listing_id: str) -> dict[str, Any]:
    """An old authentic piece, priced as the vintage market prices it (from a fifth of retail to above it)."""
    rng = generator.rng
    brand, category = generator._brand_and_category()
    marketplace = rng.choice(list(RESALE_MARKETPLACES))
    currency, country, language = RESALE_MARKETPLACES[marketplace]
    seller = generator._seller(f"vs{rng.randint(1, 8000)}", rng.uniform(1, 4000), country)
    title = f"{_condition_words(language, 'vintage', rng)} {_brand_name(brand, language, rng)} {rng.choice(ITEMS[category])}"
    price = generator._retail(brand, category) * rng.uniform(0.2, 1.3)
    listing = generator._listing(listing_id, marketplace, seller, category, title, brand.display_name, price, 1,
                                 country, generator._photos(), currency=currency)
    _describe(listing, language, "vintage", rng)
    return listing


def _brand_name(brand: BrandProfile, language: str, rng: random.Random) -> str:
    """The brand as a seller writing in ``language`` names it: in the local script when the profile has it."""
    scripts = _SCRIPTS.get(language)
    local = [a for a in brand.aliases if scripts and any(unicodedata.name(c, "").startswith(scripts) for c in a)]
    if local and rng.random() < 0.7:
        return rng.choice(local)
    return brand.display_name if rng.random() < 0.7 else brand.display_name.lower()


def _condition_words(language: str, condition: str, rng: random.Random) -> str:
    vocabulary = load_vocabularies().get(language) or load_vocabularies()["en"]
    return rng.choice(vocabulary.condition[condition])


def _describe(listing: dict[str, Any], language: str, condition: str, rng: random.Random) -> None:
    """The condition field now and then, a line or two of description, sometimes a word on authenticity."""
    vocabulary = load_vocabularies().get(language) or load_vocabularies()["en"]
    if rng.random() < 0.4 and vocabulary.condition_field[condition]:
        listing["condition"] = rng.choice(vocabulary.condition_field[condition])
    lines = [_condition_words(language, condition, rng)] + rng.choices(_PRIVATE_SENTENCES, k=rng.randint(0, 3))
    if rng.random() < 0.25:
        lines.append(rng.choice(DENIALS))
    listing["description"] = " ".join(lines)


def counterfeit_claims(listing: dict[str, Any], rng: random.Random) -> None:
    """What some sellers of fakes add to pass as honest: a claim of wear (to explain the price) or of authenticity."""
    draw = rng.random()
    if draw < 0.08:
        language = rng.choice(list(load_vocabularies()))
        listing["description"] = f"{_condition_words(language, 'used', rng)}. {listing['description']}"
    elif draw < 0.25:
        listing["description"] = f"{listing['description']} {rng.choice(DENIALS)}"
