"""The counterfeit-likelihood model: a logistic function of the signals.

Weights are log-odds per unit of feature, so a decision's explanation is exact:
each signal's contribution is its feature times its weight, and the score is
the logistic of their sum plus the intercept. The weights are fitted by
:mod:`pipeline.offline.training` on generated listings (seed recorded in the file) and
ship in ``pipeline/data/model.json``.
"""

from __future__ import annotations

import json
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


    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> LogisticModel:
        """A model file as ``counterscan train`` writes it; every signal must have a weight."""
        document = json.loads(path.read_text())
        missing = [s.name for s in SIGNALS if s.name not in document["weights"]]
        if missing:
            raise ValueError(f"model {path} has no weight for {', '.join(missing)}; retrain it")
        return cls(document["version"], float(document["intercept"]),
                   np.array([float(document["weights"][s.name]) for s in SIGNALS]))


def default_model() -> LogisticModel:
    return LogisticModel.load(MODEL_FILE)
