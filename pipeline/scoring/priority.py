"""What a review is worth: the ``priority`` of a ``suspects.review`` record.

Reviewers' time is the scarcest thing in the loop, so the queue is ordered by
what a decision teaches the model and by what it matters to the brand owner,
not by score alone (a score of 0.89 under a takedown threshold of 0.9 is the
listing the model is least sure of; a score of 0.5 between the thresholds says
little). Four parts, each in [0, 1]:

- ``uncertainty``: 1 at a threshold, 0 at the middle of the review band: a
  label near a boundary moves the boundary;
- ``label_scarcity``: 1 for a brand the live model saw no outcome labels for,
  halving at 50 labels: a brand's first labels teach the most;
- ``brand_value``: the brand's highest retail price on a log scale ($10 is 0.25,
  $10000 and above 1): a missed counterfeit of a dear brand costs its owner most;
- ``network``: 1 when the seller or an account linked to it has confirmed
  takedowns, 0.5 when it is linked to other accounts, else 0.

``priority = 0.35 uncertainty + 0.15 label_scarcity + 0.30 brand_value + 0.20 network``,
rounded to 4 places: half for learning, half for impact. It is a pure function of
those inputs, so equal inputs give equal priorities in every worker and on every
redelivery; a review tool orders by priority descending, then ``requested_at``,
then ``review_id``, which is a total and stable order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from pipeline.brands.catalog import BrandCatalog

WEIGHTS = {"uncertainty": 0.35, "label_scarcity": 0.15, "brand_value": 0.30, "network": 0.20}
LABELS_HALF = 50.0  # outcome labels of a brand at which its scarcity is one half
VALUE_DECADES = 4.0  # log10 of the retail price (USD) at which brand value reaches 1


def brand_values(catalog: BrandCatalog) -> dict[str, float]:
    """Each brand's value part, from its highest retail price."""
    values = {}
    for brand_id, profile in catalog.profiles.items():
        highest = max((high for _, high in profile.reference_prices_usd.values()), default=1.0)
        values[brand_id] = float(np.clip(np.log10(max(highest, 1.0)) / VALUE_DECADES, 0.0, 1.0))
    return values


def review_priorities(scores: np.ndarray, takedown_at: np.ndarray, review_at: np.ndarray,
                      brand_ids: Sequence[str | None], values: Mapping[str, float],
                      labels_per_brand: Mapping[str, int], seller_takedowns: np.ndarray,
                      linked_takedowns: np.ndarray, linked_accounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Priorities [n] and their parts [n, 4] (in the order of :data:`WEIGHTS`) for a batch."""
    low = np.minimum(review_at, takedown_at)
    high = np.where(np.isfinite(takedown_at), takedown_at, 1.0)
    half_band = np.maximum((high - low) / 2.0, 1e-6)
    nearest = np.minimum(np.abs(scores - low), np.abs(scores - high))
    uncertainty = np.clip(1.0 - nearest / half_band, 0.0, 1.0)
    labels = np.array([labels_per_brand.get(b, 0) if b else 0 for b in brand_ids], dtype=float)
    scarcity = LABELS_HALF / (LABELS_HALF + labels)
    value = np.array([values.get(b, 0.0) if b else 0.0 for b in brand_ids], dtype=float)
    network = np.where((seller_takedowns > 0) | (linked_takedowns > 0), 1.0, np.where(linked_accounts > 0, 0.5, 0.0))
    parts = np.column_stack([uncertainty, scarcity, value, network])
    priority = np.round(parts @ np.array(list(WEIGHTS.values())), 4)
    return priority, np.round(parts, 4)
