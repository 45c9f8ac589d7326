"""Labeled examples from enforcement outcomes: what reviewers and takedown services concluded.

Each outcome on ``enforcement.outcomes`` is joined to the decision it
concludes (by ``decision_id``, else the listing's latest decision made before
the outcome) and labels that decision's model input, which the decision
carries (``features``): the input the listing was scored on, not one rebuilt
later with the seller's later takedowns in it. Per decision, outcomes are
applied in time order:

- ``confirmed``: counterfeit; ``rejected`` and ``reinstated``: genuine;
- ``counter_noticed``: the label waits; it counts again only once a later
  ``confirmed``, ``rejected`` or ``reinstated`` resolves the dispute.

Weighting, so that no seller and no brand dominates: a seller's examples
together weigh at most :data:`SELLER_CAP` examples (each weighs
``min(1, SELLER_CAP / n)`` for a seller with n), and no brand carries more
than :data:`BRAND_SHARE` of the total weight (a brand above it is scaled down
until none is; with fewer than ``1 / BRAND_SHARE`` brands the cap is an equal
share each). Weights are then scaled to a mean of 1.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipeline.intake.validation import validator
from pipeline.offline.training import TrainingSet
from pipeline.scoring.signals import SIGNALS
from pipeline.timestamps import parse_timestamp

SELLER_CAP = 3.0
BRAND_SHARE = 0.25
NO_BRAND = "none"
LABELS = {"confirmed": 1.0, "rejected": 0.0, "reinstated": 0.0}
_OUTCOME = validator("enforcement_outcome.v1.json")


class TooFewLabels(ValueError):
    """The outcomes do not hold enough labels of each kind to fit a model on."""


@dataclass
class OutcomeLabels:
    """The examples, their weights, and what was counted on the way."""

    data: TrainingSet
    weights: np.ndarray
    brands: list[str]
    sellers: list[str]
    decided_scores: np.ndarray  # the score each decision had when it was made
    per_brand: dict[str, Counter[str]] = field(default_factory=dict)  # brand -> label kind -> count
    skipped: Counter[str] = field(default_factory=Counter)  # why outcomes gave no label

    @property
    def counterfeit(self) -> int:
        return int(self.data.labels.sum())

    @property
    def genuine(self) -> int:
        return len(self.data.labels) - self.counterfeit

    def provenance(self) -> dict[str, Any]:
        return {
            "examples": len(self.data.labels), "counterfeit": self.counterfeit, "genuine": self.genuine,
            "labels_per_brand": {b: dict(sorted(c.items())) for b, c in sorted(self.per_brand.items())},
            "skipped": dict(sorted(self.skipped.items())),
            "weighting": (f"a seller's examples weigh at most {SELLER_CAP:g} examples together; no brand carries more "
                          f"than {BRAND_SHARE:.0%} of the weight (an equal share each when there are fewer brands); "
                          "mean weight 1"),
        }

    def require(self, minimum: int, per_class: int) -> None:
        if len(self.data.labels) < minimum or min(self.counterfeit, self.genuine) < per_class:
            raise TooFewLabels(
                f"only {len(self.data.labels)} labels from outcomes ({self.counterfeit} counterfeit, {self.genuine} "
                f"genuine); fitting needs at least {minimum}, and {per_class} of each kind"
                + (f" (skipped: {', '.join(f'{k} {v}' for k, v in sorted(self.skipped.items()))})" if self.skipped else ""))


def resolved_kinds(outcomes: Iterable[Mapping[str, Any]], decisions: Iterable[Mapping[str, Any]],
                   ) -> tuple[dict[str, str], dict[str, Mapping[str, Any]], Counter[str]]:
    """Each joined decision's resolved label kind (``confirmed``, ``rejected``, ``reinstated``),
    the decisions by id, and why outcomes gave no label."""
    by_id: dict[str, Mapping[str, Any]] = {}
    by_listing: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for decision in decisions:
        if not {"decision_id", "listing_id", "decided_at"} <= decision.keys():
            continue
        by_id[decision["decision_id"]] = decision
        by_listing[decision["listing_id"]].append(decision)
    for listed in by_listing.values():
        listed.sort(key=lambda d: d["decided_at"])
    skipped: Counter[str] = Counter()
    history: dict[str, list[tuple[str, str]]] = defaultdict(list)  # decision id -> (decided_at, outcome)
    for outcome in outcomes:
        if not _OUTCOME.is_valid(outcome):  # bad input on the topic (it was dead-lettered when it came)
            skipped["not a valid outcome"] += 1
            continue
        decision = _decision_for(outcome, by_id, by_listing)
        if decision is None:
            skipped["no decision found"] += 1
            continue
        history[decision["decision_id"]].append((outcome["decided_at"], outcome["outcome"]))
    kinds = {}
    for decision_id, events in history.items():
        kind = _resolve(sorted(events, key=lambda e: parse_timestamp(e[0])))
        if kind is None:
            skipped["counter-notice not resolved"] += 1
        else:
            kinds[decision_id] = kind
    return kinds, by_id, skipped


def label_outcomes(outcomes: Iterable[Mapping[str, Any]], decisions: Iterable[Mapping[str, Any]]) -> OutcomeLabels:
    """Join outcomes to decisions and resolve each decision's label."""
    kinds, by_id, skipped = resolved_kinds(outcomes, decisions)
    rows, labels, ids, brands, sellers, scores = [], [], [], [], [], []
    per_brand: dict[str, Counter[str]] = defaultdict(Counter)
    names = [s.name for s in SIGNALS]
    for decision_id, kind in kinds.items():
        decision = by_id[decision_id]
        features = decision.get("features")
        if features is None:
            skipped["decision without model input"] += 1
            continue
        rows.append([float(features.get(name, 0.0)) for name in names])
        labels.append(LABELS[kind])
        ids.append(decision["listing_id"])
        brand = decision.get("brand") or NO_BRAND
        brands.append(brand)
        sellers.append(decision["seller_id"])
        scores.append(float(decision["score"]))
        per_brand[brand][kind] += 1
    data = TrainingSet(np.asarray(rows, dtype=float).reshape(len(rows), len(names)), np.asarray(labels), tuple(ids))
    return OutcomeLabels(data, example_weights(sellers, brands), brands, sellers, np.asarray(scores), dict(per_brand),
                         skipped)


def _decision_for(outcome: Mapping[str, Any], by_id: Mapping[str, Mapping[str, Any]],
                  by_listing: Mapping[str, list[Mapping[str, Any]]]) -> Mapping[str, Any] | None:
    if outcome.get("decision_id") in by_id:
        return by_id[outcome["decision_id"]]
    listed = by_listing.get(outcome["listing_id"])
    if not listed:
        return None
    moment = parse_timestamp(outcome["decided_at"])
    before = [d for d in listed if parse_timestamp(d["decided_at"]) <= moment]
    return (before or listed)[-1]


def _resolve(events: list[tuple[str, str]]) -> str | None:
    """The label kind after these outcomes, or None while a counter-notice is open."""
    kind: str | None = None
    disputed = False
    for _, outcome in events:
        if outcome == "counter_noticed":
            disputed = True
        elif outcome in LABELS:
            kind, disputed = outcome, False
    return None if disputed else kind


def example_weights(sellers: list[str], brands: list[str]) -> np.ndarray:
    """Each example's weight under the seller cap and the brand share (module docstring)."""
    if not sellers:
        return np.zeros(0)
    per_seller = Counter(sellers)
    weights = np.array([min(1.0, SELLER_CAP / per_seller[s]) for s in sellers])
    brand_of = np.array(brands)
    distinct = sorted(set(brands))
    share = max(BRAND_SHARE, 1.0 / len(distinct))
    for _ in range(50):  # scaling one brand down raises the others' shares; a few rounds settle it
        total = weights.sum()
        over = False
        for brand in distinct:
            mask = brand_of == brand
            carried = weights[mask].sum()
            if carried > share * total * (1 + 1e-9):
                weights[mask] *= share * (total - carried) / ((1 - share) * carried)
                over = True
        if not over:
            break
    return weights * (len(weights) / weights.sum())
