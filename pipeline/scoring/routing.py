"""Where a scored listing goes: takedown, review or clear.

A wrong takedown harms an honest seller, so takedown needs a protected brand
(a notice names whose rights are infringed), never applies to a seller the
brand has authorized, and needs direct evidence of counterfeiting: a young
account, a low price for a used item or a risky origin make a listing worth a
look, never a takedown by themselves. Those go to review at most. Some listings must reach a
person whatever their score (a new account of a known counterfeiter network):
those go to review at least.
"""

from __future__ import annotations

import numpy as np

from pipeline.brands.catalog import BrandCatalog
from pipeline.types import Route


def thresholds(catalog: BrandCatalog, brand_ids: list[str | None], takedown: float, review: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-listing thresholds: the brand's own where its profile sets them, else the defaults."""
    take = np.full(len(brand_ids), takedown)
    rev = np.full(len(brand_ids), review)
    for i, brand in enumerate(brand_ids):
        if brand is None:
            take[i] = np.inf
            continue
        profile = catalog.profiles[brand]
        if profile.takedown_threshold is not None:
            take[i] = profile.takedown_threshold
        if profile.review_threshold is not None:
            rev[i] = profile.review_threshold
    return take, rev


def route(scores: np.ndarray, takedown_at: np.ndarray, review_at: np.ndarray, authorized: np.ndarray,
          at_least_review: np.ndarray | None = None, evidence: np.ndarray | None = None) -> list[Route]:
    """Takedown at or above the takedown threshold (with ``evidence``, where given), review at or
    above the review threshold or where ``at_least_review`` says, else clear."""
    take = (scores >= takedown_at) & ~authorized
    if evidence is not None:
        take &= evidence
    review = ~take & (scores >= np.minimum(review_at, takedown_at))
    if at_least_review is not None:
        review |= ~take & at_least_review
    return [Route.TAKEDOWN if t else Route.REVIEW if r else Route.CLEAR for t, r in zip(take, review)]
