"""Sentences a reviewer can check, one per signal."""

from __future__ import annotations

from typing import Any

from pipeline.signals import SIGNALS, display_value


def describe(name: str, value: Any, brand: str | None, terms: tuple[str, ...]) -> str:
    brand_name = brand or "a protected brand"
    if name == "brand_mentioned":
        return f"listing names {brand_name}" if value else "no protected brand named"
    if name == "brand_obfuscated":
        return f"{brand_name} is spelled to dodge filters" if value else "brand spelled plainly"
    if name == "declared_brand_mismatch":
        return f"brand field does not say {brand_name} though the text does" if value else "brand field agrees with text"
    if name == "price_ratio_to_retail":
        return "no reference price" if value is None else f"price is {value:.0%} of {brand_name}'s lowest retail price"
    if name == "counterfeit_terms":
        return f"counterfeit vocabulary: {', '.join(terms)}" if terms else "no counterfeit vocabulary"
    if name == "accessory_for_brand":
        return f"described as an accessory made to fit {brand_name}" if value else "not an accessory for a brand"
    if name == "image_match_bits":
        return ("no image matches a known counterfeit" if value is None
                else f"an image is {value} bits from a known counterfeit image of {brand_name}")
    if name == "seller_confirmed_takedowns":
        return f"seller has {value} confirmed counterfeit takedowns" if value else "seller has no confirmed takedowns"
    if name == "ships_from_risk":
        return "ships from an origin customs name often for counterfeits" if value else "ships from a lower-risk origin"
    if name == "new_seller_account":
        return "seller account age unknown" if value is None else f"seller account is {value:.0f} days old"
    if name == "bulk_quantity":
        return f"{value} units offered"
    if name == "authorized_seller":
        return f"seller is authorized by {brand_name}" if value else "seller is not on the authorized list"
    return name


def explain_row(values: Any, contributions: Any, brand: str | None, terms: tuple[str, ...]) -> list[dict[str, Any]]:
    """All signals of one listing, largest absolute contribution first."""
    signals = []
    for spec, raw, contribution in zip(SIGNALS, values, contributions):
        value = display_value(float(raw), spec.unit)
        signals.append({
            "name": spec.name, "value": value, "unit": spec.unit,
            "contribution": round(float(contribution), 4),
            "detail": describe(spec.name, value, brand, terms),
        })
    signals.sort(key=lambda s: -abs(s["contribution"]))
    return signals
