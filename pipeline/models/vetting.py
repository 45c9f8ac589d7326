"""A model is tried on a validation sample before it may score anything.

A record can be valid and still reckless: an intercept of +10 sends every
listing to takedown, and every honest seller in the stream would receive a
notice before anyone noticed. So each worker scores a fixed sample of
generated listings (the same seed in every worker, so every worker reaches the
same verdict on the same record) and refuses a model that would route more
than a set share of it to takedown, or more than a set share of its genuine
listings (the generator knows which they are). The shipped model routes 7.9 %
of the sample there and none of its genuine listings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.brands.catalog import BrandCatalog
from pipeline.intake.normalize import normalize
from pipeline.intake.validation import decode_listing
from pipeline.scoring.model import LogisticModel
from pipeline.scoring.routing import route, thresholds
from pipeline.scoring.signals import SignalBatch, SignalExtractor
from pipeline.synthetic.generator import GENUINE, ListingGenerator
from pipeline.types import Reason, Rejection, Route

VALIDATION_SEED = 7070


@dataclass(frozen=True)
class ValidationSample:
    """Signals of generated listings and their thresholds: what a candidate model is routed on."""

    signals: SignalBatch
    takedown_at: np.ndarray
    review_at: np.ndarray
    genuine: np.ndarray  # bool [n]: the generator's ground truth

    @classmethod
    def generated(cls, count: int, takedown: float, review: float, catalog: BrandCatalog | None = None,
                  seed: int = VALIDATION_SEED) -> ValidationSample:
        catalog = catalog or BrandCatalog.load()
        listings, genuine = [], []
        for item in ListingGenerator(seed, catalog).take(count):
            decoded = decode_listing(item.value, 1 << 20)
            if isinstance(decoded, dict):
                listings.append(normalize(decoded))
                genuine.append(item.label == GENUINE)
        signals = SignalExtractor(catalog).extract(listings)
        take_at, review_at = thresholds(catalog, signals.brand_ids, takedown, review)
        return cls(signals, take_at, review_at, np.asarray(genuine, dtype=bool))

    def takedowns(self, model: LogisticModel) -> np.ndarray:
        """Which of the sample's listings the model would send to takedown."""
        s = self.signals
        routes = route(model.score_features(s.features), self.takedown_at, self.review_at, s.authorized,
                       s.must_review, s.evidence)
        return np.array([r is Route.TAKEDOWN for r in routes], dtype=bool)


@dataclass(frozen=True, slots=True)
class VettingLimits:
    """How far a model may go on the sample: its share of listings sent to takedown, and its
    share of the sample's genuine listings sent there (wrong takedowns)."""

    max_takedown_share: float = 0.2
    max_wrong_takedown_share: float = 0.01


def vet(model: LogisticModel, sample: ValidationSample, limits: VettingLimits) -> Rejection | None:
    """None if the model may run; else why not."""
    taken = sample.takedowns(model)
    share = float(taken.mean()) if len(taken) else 0.0
    wrong = float(taken[sample.genuine].mean()) if sample.genuine.any() else 0.0
    if share > limits.max_takedown_share:
        return Rejection(Reason.SCHEMA_VIOLATION,
                         f"model {model.version} would send {share:.1%} of the validation sample to takedown "
                         f"(at most {limits.max_takedown_share:.1%} allowed)")
    if wrong > limits.max_wrong_takedown_share:
        return Rejection(Reason.SCHEMA_VIOLATION,
                         f"model {model.version} would send {wrong:.1%} of the validation sample's genuine listings "
                         f"to takedown (at most {limits.max_wrong_takedown_share:.1%} allowed)")
    return None
