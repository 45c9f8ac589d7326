"""A listing card: everything a reviewer weighs for one review request, as plain data.

The review request names the listing and the decision; the card brings back
what the reviewer must see to agree or disagree: the text with the terms
marked, the price beside the reference it was compared with, each image's
distance to the nearest known counterfeit, every signal with its
contribution (largest first), the seller's reputation and network, and the
listing's earlier decisions. Contact points appear only as the short prefixes
the seller view gives, never whole: a reviewer judges a listing, and has no
business contacting the seller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from pipeline.brands.catalog import BrandCatalog
from pipeline.brands.images import MATCH_RADIUS, NO_MATCH
from pipeline.intake.currency import USD_RATES
from pipeline.review.highlights import guess_language, listing_terms, pieces, spans

MAX_DESCRIPTION = 4000  # characters shown; the rest is cut, said so


def listing_summary(raw: Mapping[str, Any]) -> dict[str, Any]:
    """What a card needs of a raw listing, and no more (no seller contact hashes): kept per open item.
    Its language is guessed when first asked (:func:`language_of`)."""
    seller = raw.get("seller") if isinstance(raw.get("seller"), dict) else {}
    price = raw.get("price") if isinstance(raw.get("price"), dict) else {}
    title, description = str(raw.get("title") or ""), str(raw.get("description") or "")
    return {
        "title": title, "description": description, "url": raw.get("url"), "category": raw.get("category"),
        "declared_brand": raw.get("brand"), "revision": raw.get("revision", 0),
        "price": price.get("amount"), "currency": price.get("currency"),
        "image_phashes": [h for h in raw.get("image_phashes") or () if isinstance(h, str)],
        "seller_name": seller.get("name"), "seller_country": seller.get("country"),
        "observed_at": raw.get("observed_at"),
    }


def language_of(summary: dict[str, Any]) -> str | None:
    """The summary's language, guessed once when first asked (most listings read are never shown)."""
    if "language" not in summary:
        summary["language"] = guess_language(f"{summary.get('title', '')} {summary.get('description', '')}")
    return summary["language"]


def price_usd(summary: Mapping[str, Any], rates: Mapping[str, float] = USD_RATES) -> float | None:
    amount, rate = summary.get("price"), rates.get(str(summary.get("currency")))
    if not isinstance(amount, (int, float)) or rate is None:
        return None
    return float(amount) * rate


def image_matches(phashes: list[str], catalog: BrandCatalog) -> list[dict[str, Any]]:
    """Per listing image, the nearest known counterfeit image within the match radius, with its Hamming distance."""
    valid = [h for h in phashes if len(h) == 16]
    if not valid:
        return []
    query = np.frombuffer(bytes.fromhex("".join(valid)), dtype=">u8").astype(np.uint64)
    best, which, owner = catalog.images.nearest(query, np.arange(len(valid)), len(valid), MATCH_RADIUS)
    rows = []
    for phash, bits, known, brand in zip(valid, best.tolist(), which.tolist(), owner.tolist()):
        rows.append({"image": phash, "distance": None if bits >= NO_MATCH else int(bits),
                     "known": None if known < 0 else f"{int(catalog.images.hashes[known]):016x}",
                     "brand": None if brand < 0 else catalog.brand_ids[brand]})
    return rows


def signal_bars(decision: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Every signal of the decision with its contribution, largest absolute contribution first."""
    signals = list(decision.get("signals", ())) if decision else []
    return sorted(signals, key=lambda s: -abs(float(s.get("contribution", 0.0))))


def reference_price(decision: Mapping[str, Any] | None, listing_usd: float | None, catalog: BrandCatalog,
                    brand: str | None, category: str | None) -> float | None:
    """The reference the scanner compared with (the price over its ratio), else the brand's lowest retail price."""
    for signal in signal_bars(decision):
        ratio = signal.get("value")
        if signal.get("name") == "price_ratio_to_retail" and isinstance(ratio, (int, float)) and ratio > 0 \
                and listing_usd is not None:
            return round(listing_usd / float(ratio), 2)
    profile = catalog.profiles.get(brand) if brand else None
    return profile.reference_low_usd(category or "") if profile is not None else None


def build_card(request: Mapping[str, Any], decision: Mapping[str, Any] | None, raw: Mapping[str, Any] | None,
               catalog: BrandCatalog, seller: Mapping[str, Any] | None, history: list[dict[str, Any]],
               rates: Mapping[str, float] = USD_RATES) -> dict[str, Any]:
    """The card of one review request; ``raw`` is :func:`listing_summary` of its listing, None if not read yet."""
    brand = request.get("brand")
    profile = catalog.profiles.get(brand) if brand else None
    brand_terms = profile.counterfeit_terms if profile is not None else ()
    card: dict[str, Any] = {
        "request": dict(request), "brand_name": profile.display_name if profile is not None else None,
        "signals": signal_bars(decision), "seller": seller, "history": history, "listing": None,
    }
    if raw is None:
        return card
    text = {}
    for field in ("title", "description"):
        value = str(raw.get(field) or "")
        shown = value[:MAX_DESCRIPTION]
        text[field] = {"pieces": pieces(shown, spans(shown, listing_terms(shown, catalog, brand_terms))),
                       "cut": len(value) > len(shown)}
    usd = price_usd(raw, rates)
    card["listing"] = {
        **{k: raw.get(k) for k in ("url", "category", "declared_brand", "price", "currency", "seller_name",
                                   "seller_country", "observed_at", "revision")},
        "language": raw["language"] if "language" in raw else guess_language(
            f"{raw.get('title') or ''} {raw.get('description') or ''}"),
        "title": text["title"], "description": text["description"],
        "price_usd": None if usd is None else round(usd, 2),
        "reference_usd": reference_price(decision, usd, catalog, brand, raw.get("category")),
        "images": image_matches(list(raw.get("image_phashes") or ()), catalog),
    }
    return card
