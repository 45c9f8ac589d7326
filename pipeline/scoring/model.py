"""The counterfeit-likelihood model: a logistic function of the signals.

Weights are log-odds per unit of feature, so a decision's explanation is exact:
each signal's contribution is its feature times its weight, and the score is
the logistic of their sum plus the intercept. The weights are fitted by
:mod:`pipeline.offline.training` on generated listings (seed recorded in the file) and
ship in ``pipeline/data/model.json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.data import DATA_DIR
from pipeline.scoring.signals import SIGNALS

MODEL_FILE = DATA_DIR / "model.json"


@dataclass(frozen=True, slots=True)
class LogisticModel:
    """Weights over the signals' model inputs; versioned, since a decision names the model that made it."""

    version: str
    intercept: float
    weights: np.ndarray  # [k], in the order of SIGNALS

    def contributions(self, features: np.ndarray) -> np.ndarray:
        return features * self.weights

    def scores(self, contributions: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.intercept + contributions.sum(axis=1))))

    def score_features(self, features: np.ndarray) -> np.ndarray:
        """Scores straight from the model inputs, one matrix product: what a shadow model costs,
        since nobody reads its per-signal contributions."""
        return 1.0 / (1.0 + np.exp(-(self.intercept + features @ self.weights)))

    @classmethod
    def from_weights(cls, version: str, intercept: float, weights: Mapping[str, float]) -> LogisticModel:
        """A model from weights by signal name; refuses names the scanner does not compute and
        signals without a weight, so a model can never silently ignore or invent an input."""
        known = {s.name for s in SIGNALS}
        unknown = sorted(set(weights) - known)
        if unknown:
            raise ValueError(f"model {version} weighs unknown signals: {', '.join(unknown)}")
        missing = [s.name for s in SIGNALS if s.name not in weights]
        if missing:
            raise ValueError(f"model {version} has no weight for {', '.join(missing)}; retrain it")
        vector = np.array([float(weights[s.name]) for s in SIGNALS])
        if not (np.isfinite(vector).all() and np.isfinite(intercept)):
            raise ValueError(f"model {version} has non-finite weights or intercept")
        return cls(version, float(intercept), vector)

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> LogisticModel:
        """A model file as ``counterscan train`` writes it; every signal must have a weight."""
        document = json.loads(path.read_text())
        return cls.from_weights(document["version"], float(document["intercept"]), document["weights"])


def default_model() -> LogisticModel:
    return LogisticModel.load(MODEL_FILE)


def model_inputs(features: np.ndarray) -> list[dict[str, float]]:
    """Each row's model inputs by signal name, zeros left out: what a decision carries so that an
    outcome arriving weeks later can be joined to exactly the input the listing was scored on
    (re-extracting from the listing then would see the seller's later takedowns, including the
    one the outcome reports)."""
    rounded = np.round(features, 6)
    rows, columns = np.nonzero(rounded)
    inputs: list[dict[str, float]] = [{} for _ in range(len(features))]
    names = [s.name for s in SIGNALS]
    for row, column, value in zip(rows.tolist(), columns.tolist(), rounded[rows, columns].tolist()):
        inputs[row][names[column]] = value
    return inputs
