"""Sentences a reviewer can check, one per signal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.scoring.condition import CONDITION_NAMES, SECONDHAND, UNKNOWN
from pipeline.scoring.signals import SIGNALS
from pipeline.sellers.networks.types import NetworkLookup

NETWORK_SIGNAL = "network_confirmed_takedowns"


def describe(name: str, value: Any, brand: str | None, terms: tuple[str, ...], condition: int = UNKNOWN) -> str:
    brand_name = brand or "a protected brand"
    if name == "brand_mentioned":
        return f"listing names {brand_name}" if value else "no protected brand named"
    if name == "brand_obfuscated":
        return f"{brand_name} is spelled to dodge filters" if value else "brand spelled plainly"
    if name == "declared_brand_mismatch":
        return f"brand field does not say {brand_name} though the text does" if value else "brand field agrees with text"
    if name == "price_ratio_to_retail":
        if value is None:
            return "no reference price"
        if condition in SECONDHAND:
            return f"price is {value:.0%} of what {brand_name} fetches {CONDITION_NAMES[condition]} (lowest resale price)"
        return f"price is {value:.0%} of {brand_name}'s lowest retail price"
    if name == "secondhand":
        if value is None or value == UNKNOWN:
            return "condition not stated"
        return f"listing says the item is {CONDITION_NAMES[int(value)]}"
    if name == "counterfeit_terms":
        return f"counterfeit vocabulary: {', '.join(terms)}" if terms else "no counterfeit vocabulary"
    if name == "accessory_for_brand":
        return f"described as an accessory made to fit {brand_name}" if value else "not an accessory for a brand"
    if name == "image_match_bits":
        return ("no image matches a known counterfeit" if value is None
                else f"an image is {value} bits from a known counterfeit image of {brand_name}")
    if name == "seller_confirmed_takedowns":
        return f"seller has {value} confirmed counterfeit takedowns" if value else "seller has no confirmed takedowns"
    if name == NETWORK_SIGNAL:
        return (f"accounts linked to the seller have {value} confirmed counterfeit takedowns" if value
                else "no linked account has confirmed takedowns")
    if name == "ships_from_risk":
        return "ships from an origin customs name often for counterfeits" if value else "ships from a lower-risk origin"
    if name == "new_seller_account":
        return "seller account age unknown" if value is None else f"seller account is {value:.0f} days old"
    if name == "bulk_quantity":
        return f"{value} units offered"
    if name == "authorized_seller":
        return f"seller is authorized by {brand_name}" if value else "seller is not on the authorized list"
    return name


def describe_network(value: int, network: NetworkLookup, row: int) -> str:
    """Names the account that links the seller to its network, so a reviewer can check the link."""
    seller = network.linked_seller[row]
    if not value or seller is None:
        return describe(NETWORK_SIGNAL, value, None, ())
    point = "a contact point" if network.kind[row] == "contact" else "a known counterfeit image"
    others = int(network.accounts[row])
    return (f"linked by {point} to the network of seller {seller} ({int(network.linked_takedowns[row])} confirmed "
            f"takedowns); {others} linked account{'s' if others != 1 else ''}, {value} confirmed takedowns in all")


def explain_batch(values: np.ndarray, contributions: np.ndarray, brands: Sequence[str | None],
                  terms: Sequence[tuple[str, ...]], network: NetworkLookup | None = None) -> list[list[dict[str, Any]]]:
    """Per listing, the signals that moved its score, largest absolute contribution first.

    A signal that contributed nothing (no brand, so no price ratio; an old
    account) is left out: the record lists the reasons, not every question
    asked. Rounding and ordering run on the whole batch in numpy.
    """
    rounded = np.round(contributions, 4)
    rows, columns = np.nonzero(rounded)
    # by listing, then largest absolute contribution, then signal order
    order = np.lexsort((columns, -np.abs(rounded[rows, columns]), rows))
    rows, columns = rows[order], columns[order]
    explained: list[list[dict[str, Any]]] = [[] for _ in range(len(rounded))]
    conditions = values[:, _CONDITION_COLUMN].astype(int).tolist()
    for row, column, value, contribution in zip(rows.tolist(), columns.tolist(),
                                                np.round(values[rows, columns], 4).tolist(),
                                                rounded[rows, columns].tolist()):
        spec = SIGNALS[column]
        shown = _shown(value, spec.unit)
        detail = (describe_network(shown, network, row) if network is not None and spec.name == NETWORK_SIGNAL
                  else describe(spec.name, shown, brands[row], terms[row], conditions[row]))
        explained[row].append({"name": spec.name, "value": shown, "unit": spec.unit, "contribution": contribution,
                               "detail": detail})
    return explained


_CONDITION_COLUMN = next(i for i, spec in enumerate(SIGNALS) if spec.name == "secondhand")


def _shown(value: float, unit: str) -> float | int | bool | None:
    if value != value:  # NaN: not applicable
        return None
    if unit == "flag":
        return value != 0.0
    if unit in ("count", "units", "bits", "condition"):
        return int(value)
    return value
