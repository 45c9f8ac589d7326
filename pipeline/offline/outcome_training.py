"""Fit a model on outcome labels, mixed with hand-labeled and generated listings.

Each source carries a stated share of the training weight (the provenance
records it), and outcome examples keep their own weights within their share
(:mod:`pipeline.offline.outcome_labels`). Before the model is fitted on every
example, one fitted without a fifth of the sellers (chosen by a hash of the
seller id, so a seller's listings never straddle the split) is measured on
that fifth beside the scores those listings were decided with: figures on
listings a model was fitted on would only say how well it memorized them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.offline.outcome_labels import OutcomeLabels
from pipeline.offline.training import TrainingSet, fit, model_from, weighted
from pipeline.scoring.model import LogisticModel

HELD_OUT_SHARE = 0.2


@dataclass(frozen=True)
class Source:
    """Listings to train on beside the outcomes, with the share of the weight they carry."""

    name: str
    data: TrainingSet
    share: float
    detail: dict[str, Any]


def held_out_sellers(sellers: Sequence[str], share: float = HELD_OUT_SHARE) -> np.ndarray:
    """A boolean mask of the examples whose seller falls in the held-out part."""
    cut = int(share * 2**32)
    return np.array([int.from_bytes(hashlib.blake2b(s.encode(), digest_size=4).digest(), "big") < cut
                     for s in sellers], dtype=bool)


def figures(scores: np.ndarray, labels: np.ndarray, takedown: float, review: float) -> dict[str, Any]:
    """Precision and recall of scores at the default thresholds (brand thresholds and the
    evidence gate are left out: the outcome examples keep the model input, not the listing)."""
    counterfeit = labels == 1.0
    taken, flagged = scores >= takedown, scores >= review

    def ratio(hit: np.ndarray, of: np.ndarray) -> float | None:
        return round(float(hit.sum() / of.sum()), 4) if of.sum() else None

    return {"listings": int(len(labels)), "takedown_precision": ratio(taken & counterfeit, taken),
            "takedown_recall": ratio(taken & counterfeit, counterfeit), "flagged_recall": ratio(flagged & counterfeit, counterfeit),
            "genuine_flagged": ratio(flagged & ~counterfeit, ~counterfeit)}


def train_on_outcomes(outcomes: OutcomeLabels, outcome_share: float, sources: Sequence[Source], l2: float,
                      version: str, takedown: float, review: float,
                      ) -> tuple[LogisticModel, dict[str, Any], dict[str, Any]]:
    """The model, its provenance (sources, shares, weighting) and its figures."""
    others = [s for s in sources if len(s.data.labels)]
    shares = _shares(outcome_share, others)

    def fitted(keep: np.ndarray) -> tuple[float, np.ndarray]:
        part = outcomes.data.where(keep)
        data, weights = weighted([(part, shares["outcomes"], outcomes.weights[keep]),
                                  *((s.data, shares[s.name]) for s in others)])
        return fit(data, l2=l2, sample_weights=weights)

    held = held_out_sellers(outcomes.sellers)
    result: dict[str, Any] = {"outcome_labels": len(outcomes.data.labels)}
    if held.any() and (~held).any() and 0 < outcomes.data.labels[held].sum() < held.sum():
        intercept, weights = fitted(~held)
        trial = model_from(intercept, weights, "held-out")
        result["held_out"] = {
            "by": f"{HELD_OUT_SHARE:.0%} of the sellers, by a hash of the seller id, left out of the fit",
            "new_model": figures(trial.score_features(outcomes.data.features[held]), outcomes.data.labels[held],
                                 takedown, review),
            "as_decided": figures(outcomes.decided_scores[held], outcomes.data.labels[held], takedown, review),
        }
    intercept, weights = fitted(np.ones(len(outcomes.data.labels), dtype=bool))
    model = model_from(intercept, weights, version)
    provenance = {
        "outcomes": {**outcomes.provenance(), "weight_share": round(shares["outcomes"], 4)},
        "others": [{"source": s.name, "listings": len(s.data.labels), "weight_share": round(shares[s.name], 4),
                    **s.detail} for s in others],
        "l2": l2,
    }
    return model, provenance, result


def _shares(outcome_share: float, others: Sequence[Source]) -> dict[str, float]:
    """Stated shares, normalized to 1; without other sources the outcomes carry everything."""
    if not others:
        return {"outcomes": 1.0}
    total = outcome_share + sum(s.share for s in others)
    return {"outcomes": outcome_share / total, **{s.name: s.share / total for s in others}}
