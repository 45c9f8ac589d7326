"""Fit the logistic model's weights on labeled listings, reproducibly.

Newton-Raphson on the weighted, L2-regularized log-likelihood: a dozen
features and a hundred thousand rows converge in a few iterations with numpy
alone. The intercept is not regularized. Training data comes from the
generator with a seed recorded in the model file, and from hand-labeled
listings, each source with the share of the total weight the model file
records, so anyone can refit and get the same weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import numpy as np
import orjson

from pipeline.intake.normalize import normalize
from pipeline.intake.validation import decode_listing
from pipeline.scoring.model import LogisticModel
from pipeline.scoring.signals import SIGNALS, SignalExtractor
from pipeline.sellers.reputation import Outcome, SellerReputation
from pipeline.synthetic.generator import COUNTERFEIT, GENUINE
from pipeline.types import Rejection


class Labeled(Protocol):
    """What training reads of a listing: the record, its label and its seller (generated listings
    and hand-labeled ones alike)."""

    @property
    def listing_id(self) -> str: ...
    @property
    def value(self) -> bytes: ...
    @property
    def label(self) -> str: ...
    @property
    def seller_id(self) -> str: ...


class LabeledListing(NamedTuple):
    """A hand-labeled listing as training reads it."""

    listing_id: str
    value: bytes
    label: str
    seller_id: str


@dataclass(frozen=True, slots=True)
class TrainingSet:
    """Model inputs and labels to fit the weights on, with each row's listing id (for folds)."""

    features: np.ndarray  # [n, k]
    labels: np.ndarray  # [n], 1.0 = counterfeit
    listing_ids: tuple[str, ...] = field(default=())

    def where(self, keep: np.ndarray) -> TrainingSet:
        """The rows ``keep`` (a boolean mask) selects."""
        return TrainingSet(self.features[keep], self.labels[keep],
                           tuple(i for i, k in zip(self.listing_ids, keep.tolist()) if k))


def training_set(items: Sequence[Labeled], extractor: SignalExtractor, batch: int = 2000,
                 enforcement_rate: float = 0.5, seed: int = 0) -> TrainingSet:
    """Features of every labeled listing, in stream order, with enforcement feeding back:
    after each batch a share of its counterfeits are confirmed against their sellers, as
    takedown services would report, so seller reputation carries real signal. Seller links
    are learned from each batch after it is scored, as the scanner learns them, and confirmed
    takedowns reach the seller networks too."""
    rng = np.random.default_rng(seed)
    history: dict[str, SellerReputation] = {}
    rows, labels, ids = [], [], []
    for start in range(0, len(items), batch):
        chunk = [i for i in items[start:start + batch] if i.label in (COUNTERFEIT, GENUINE)]
        listings = []
        for item in chunk:
            decoded = decode_listing(item.value, 1 << 20)
            if not isinstance(decoded, Rejection):
                listings.append(normalize(decoded))
                labels.append(1.0 if item.label == COUNTERFEIT else 0.0)
                ids.append(item.listing_id)
        signals = extractor.extract(listings)
        rows.append(signals.features)
        extractor.learn(listings, signals)
        for item in chunk:
            if item.label == COUNTERFEIT and rng.random() < enforcement_rate:
                seller = history.get(item.seller_id) or SellerReputation(item.seller_id)
                history[item.seller_id] = seller = seller.apply(Outcome.CONFIRMED, None)
                extractor.reputation.put(seller)
                extractor.networks.record_confirmed(seller.seller_id, seller.confirmed_takedowns)
    return TrainingSet(np.vstack(rows), np.asarray(labels), tuple(ids))


def fit(data: TrainingSet, l2: float = 1.0, iterations: int = 50, tolerance: float = 1e-8,
        sample_weights: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """Intercept and weights; ``sample_weights`` (default 1 each) scale each row's log-likelihood."""
    x = np.column_stack([np.ones(len(data.labels)), data.features])
    y = data.labels
    w = np.ones(len(y)) if sample_weights is None else sample_weights
    beta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -50, 50)))
        gradient = x.T @ (w * (y - p)) - penalty * beta
        hessian = (x * (w * p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < tolerance:
            break
    return float(beta[0]), beta[1:]


def weighted(sources: Sequence[tuple[TrainingSet, float] | tuple[TrainingSet, float, np.ndarray]],
             ) -> tuple[TrainingSet, np.ndarray]:
    """Sources stacked into one training set, with row weights giving each source its share of
    the total weight (shares are normalized): 300 hand-labeled listings can weigh as much as
    30000 generated ones. Within a source every row weighs the same, or as its own row weights
    (a third element) say, relative to each other."""
    parts = [(source[0], source[1], source[2] if len(source) > 2 else np.ones(len(source[0].labels)))
             for source in sources if len(source[0].labels)]
    total = sum(share for _, share, _ in parts)
    rows = sum(len(data.labels) for data, _, _ in parts)
    features = np.vstack([data.features for data, _, _ in parts])
    labels = np.concatenate([data.labels for data, _, _ in parts])
    ids = tuple(i for data, _, _ in parts for i in data.listing_ids)
    weights = np.concatenate([within / within.sum() * (share / total) * rows for _, share, within in parts])
    return TrainingSet(features, labels, ids), weights


def model_from(intercept: float, weights: np.ndarray, version: str) -> LogisticModel:
    return LogisticModel(version=version, intercept=round(intercept, 4), weights=np.round(weights, 4))


def model_document(model: LogisticModel, provenance: dict) -> bytes:
    """The model file: version, weights by signal name, and how it was trained."""
    return orjson.dumps({
        "version": model.version,
        "intercept": model.intercept,
        "weights": {spec.name: float(w) for spec, w in zip(SIGNALS, model.weights)},
        "trained_on": provenance,
    }, option=orjson.OPT_INDENT_2)
