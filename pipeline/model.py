"""The counterfeit-likelihood model: a logistic function of the signals.

Weights are log-odds per unit of feature, so a decision's explanation is exact:
each signal's contribution is its feature times its weight, and the score is
the logistic of their sum plus the intercept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.signals import SIGNALS


@dataclass(frozen=True, slots=True)
class LogisticModel:
    version: str
    intercept: float
    weights: np.ndarray  # [k], in the order of SIGNALS

    def contributions(self, features: np.ndarray) -> np.ndarray:
        return features * self.weights

    def scores(self, contributions: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.intercept + contributions.sum(axis=1))))


# Hand-set, documented weights (log-odds per feature unit):
#   a protected brand alone barely moves the score (resale is legal);
#   the price discount is -ln(price / lowest retail), capped at 4: a tenth of
#   retail adds about 3.9, half of retail 1.2;
#   each counterfeit term adds 2.0 (at most three count);
#   an authorized seller cancels everything else.
_HAND_WEIGHTS = {
    "brand_mentioned": 1.0,
    "brand_obfuscated": 2.5,
    "declared_brand_mismatch": 1.0,
    "price_ratio_to_retail": 1.7,
    "counterfeit_terms": 2.0,
    "new_seller_account": 0.9,
    "bulk_quantity": 0.6,
    "authorized_seller": -8.0,
}

DEFAULT_MODEL = LogisticModel(
    version="logistic-hand-1",
    intercept=-4.5,
    weights=np.array([_HAND_WEIGHTS[s.name] for s in SIGNALS]),
)
