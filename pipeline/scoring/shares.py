"""Each brand's recent share of decisions by route, for drift you can watch.

A brand's takedown share moves when something changed: a rule, an upstream
feed, a model, or a new counterfeit wave. The share is kept per brand with an
exponential decay counted in that brand's own decisions (a half-life of H
decisions), so a rare brand's share is as current as a busy one's and no clock
or window has to be kept.
"""

from __future__ import annotations

from collections.abc import Mapping

ROUTES = ("takedown", "review", "clear")


class RouteShares:
    """Decayed counts of decisions per brand and route."""

    def __init__(self, half_life: int) -> None:
        self.keep = 0.5 ** (1.0 / half_life)  # what one decision leaves of the weight before it
        self.counts: dict[str, dict[str, float]] = {}

    def update(self, routes: Mapping[tuple[str, str], int]) -> dict[tuple[str, str], float]:
        """Add one batch's decisions (``(route, brand) -> count``); the shares of the brands it touched."""
        batch: dict[str, dict[str, int]] = {}
        for (route, brand), count in routes.items():
            batch.setdefault(brand, {})[route] = batch.get(brand, {}).get(route, 0) + count
        shares: dict[tuple[str, str], float] = {}
        for brand, added in batch.items():
            kept = self.keep ** sum(added.values())
            counts = self.counts.setdefault(brand, dict.fromkeys(ROUTES, 0.0))
            for route in ROUTES:
                counts[route] = counts[route] * kept + added.get(route, 0)
            total = sum(counts.values()) or 1.0
            shares.update({(brand, route): round(counts[route] / total, 4) for route in ROUTES})
        return shares
