"""Fit the logistic model's weights on labeled listings, reproducibly.

Newton-Raphson on the L2-regularized log-likelihood: a dozen features and a
hundred thousand rows converge in a few iterations with numpy alone. The
intercept is not regularized. Training data comes from the generator with a
seed recorded in the model file, so anyone can refit and get the same weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import orjson

from pipeline.intake.normalize import normalize
from pipeline.intake.validation import decode_listing
from pipeline.scoring.model import LogisticModel
from pipeline.scoring.signals import SIGNALS, SignalExtractor
from pipeline.sellers.reputation import Outcome, SellerReputation
from pipeline.synthetic.generator import COUNTERFEIT, GENUINE, GeneratedListing
from pipeline.types import Rejection


@dataclass(frozen=True, slots=True)
class TrainingSet:
    """Model inputs and labels to fit the weights on."""

    features: np.ndarray  # [n, k]
    labels: np.ndarray  # [n], 1.0 = counterfeit


def training_set(items: Sequence[GeneratedListing], extractor: SignalExtractor, batch: int = 2000,
                 enforcement_rate: float = 0.5, seed: int = 0) -> TrainingSet:
    """Features of every labeled listing, in stream order, with enforcement feeding back:
    after each batch a share of its counterfeits are confirmed against their sellers, as
    takedown services would report, so seller reputation carries real signal. Seller links
    are learned from each batch after it is scored, as the scanner learns them, and confirmed
    takedowns reach the seller networks too."""
    rng = np.random.default_rng(seed)
    history: dict[str, SellerReputation] = {}
    rows, labels = [], []
    for start in range(0, len(items), batch):
        chunk = [i for i in items[start:start + batch] if i.label in (COUNTERFEIT, GENUINE)]
        listings = []
        for item in chunk:
            decoded = decode_listing(item.value, 1 << 20)
            if not isinstance(decoded, Rejection):
                listings.append(normalize(decoded))
                labels.append(1.0 if item.label == COUNTERFEIT else 0.0)
        signals = extractor.extract(listings)
        rows.append(signals.features)
        extractor.learn(listings, signals)
        for item in chunk:
            if item.label == COUNTERFEIT and rng.random() < enforcement_rate:
                seller = history.get(item.seller_id) or SellerReputation(item.seller_id)
                history[item.seller_id] = seller = seller.apply(Outcome.CONFIRMED, None)
                extractor.reputation.put(seller)
                extractor.networks.record_confirmed(seller.seller_id, seller.confirmed_takedowns)
    return TrainingSet(np.vstack(rows), np.asarray(labels))


def fit(data: TrainingSet, l2: float = 1.0, iterations: int = 50, tolerance: float = 1e-8) -> tuple[float, np.ndarray]:
    x = np.column_stack([np.ones(len(data.labels)), data.features])
    y = data.labels
    beta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (y - p) - penalty * beta
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < tolerance:
            break
    return float(beta[0]), beta[1:]


def train(items: Sequence[GeneratedListing], extractor: SignalExtractor, version: str, l2: float = 10.0) -> LogisticModel:
    intercept, weights = fit(training_set(items, extractor), l2=l2)
    return LogisticModel(version=version, intercept=round(intercept, 4), weights=np.round(weights, 4))


def model_document(model: LogisticModel, seed: int, count: int, l2: float) -> bytes:
    return orjson.dumps({
        "version": model.version,
        "intercept": model.intercept,
        "weights": {spec.name: float(w) for spec, w in zip(SIGNALS, model.weights)},
        "trained_on": {"generator_seed": seed, "listings": count, "l2": l2},
    }, option=orjson.OPT_INDENT_2)
