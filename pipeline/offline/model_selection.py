"""Choosing the model that ships: k-fold cross-validation on hand-labeled listings.

Figures on listings a model was fitted on say how well it memorized them, not
how it will do on listings it has never seen, so every figure used to choose
is a held-out one: the corpus is cut into ``k`` folds of the same mix of
subtypes, each fold is scored by a model fitted on generated listings plus
the other folds, and the held-out decisions of all folds together are
measured. Each candidate (an L2 penalty, and the share of the training weight
the hand-labeled listings carry) is judged that way; the chosen one is then
fitted on everything and written with its held-out figures as provenance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.offline.corpus import Corpus
from pipeline.offline.evaluation import evaluate
from pipeline.offline.labeled_run import scored_decisions
from pipeline.offline.training import TrainingSet, fit, model_from, weighted
from pipeline.scoring.model import LogisticModel
from pipeline.settings import Settings

__all__ = ["TARGETS", "Candidate", "CandidateResult", "LabeledSource", "cross_validate", "fit_candidate", "missed_targets", "select",
           "train_selected"]

# What the corpus's held-out figures must reach: a wrong takedown harms an honest seller, a
# review queue of genuine listings wastes reviewers, a missed counterfeit stays on sale.
TARGETS: dict[str, tuple[str, float]] = {
    "takedown_precision": (">=", 0.995),
    "takedown_recall": (">=", 0.80),
    "flagged_recall": (">=", 0.97),
    "genuine_flagged": ("<=", 0.03),
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One way to fit: the L2 penalty, and the share of the total training weight that the
    hand-labeled listings carry (the generated ones carry the rest)."""

    l2: float
    labeled_share: float


@dataclass(frozen=True)
class CandidateResult:
    candidate: Candidate
    report: dict[str, Any]  # evaluation of the held-out decisions of every fold

    @property
    def missed(self) -> list[str]:
        return missed_targets(self.report)

    def rank(self) -> tuple[float, ...]:
        """Fewer targets missed first, then takedown precision, then flagged recall less the
        share of genuine listings flagged."""
        r = self.report
        return (-len(self.missed), r["takedown_precision"] or 0.0,
                (r["flagged_recall"] or 0.0) - (r["genuine_flagged"] or 0.0), r["takedown_recall"] or 0.0)


def missed_targets(report: dict[str, Any]) -> list[str]:
    """The names of the :data:`TARGETS` a report does not reach."""
    missed = []
    for name, (direction, bound) in TARGETS.items():
        value = report.get(name)
        if value is None or (value < bound if direction == ">=" else value > bound):
            missed.append(name)
    return missed


def fit_candidate(generated: TrainingSet, labeled: Sequence[TrainingSet], candidate: Candidate, version: str,
                  exclude: frozenset[str] = frozenset()) -> LogisticModel:
    """Fit on the generated listings and the labeled ones, leaving out the listings ``exclude`` names."""
    kept = [part.where(np.array([i not in exclude for i in part.listing_ids], dtype=bool)) for part in labeled]
    share = candidate.labeled_share / max(1, len(kept))
    data, weights = weighted([(generated, 1.0 - candidate.labeled_share), *((part, share) for part in kept)])
    intercept, coefficients = fit(data, l2=candidate.l2, sample_weights=weights)
    return model_from(intercept, coefficients, version)


def cross_validate(settings: Settings, corpus: Corpus, generated: TrainingSet, labeled: Sequence[TrainingSet],
                   candidate: Candidate, k: int = 5, seed: int = 0) -> dict[str, Any]:
    """The held-out decisions of every fold, measured. ``labeled[0]`` must be the corpus's own
    training set; any others (labeled files) are always trained on."""
    decisions = []
    for fold in corpus.folds(k, seed):
        model = fit_candidate(generated, labeled, candidate, "cross-validation", exclude=fold)
        # the whole corpus is scored, in order, so seller networks build up as in the stream; only the fold counts
        decisions += [d for d in scored_decisions(settings, corpus.records(), corpus.truth, model=model, batch=1)
                      if d["listing_id"] in fold]
    truth = corpus.truth
    return evaluate(decisions, truth.labels, truth.brands, truth.breakdowns)


def select(settings: Settings, corpus: Corpus, generated: TrainingSet, labeled: Sequence[TrainingSet],
           candidates: Sequence[Candidate], k: int = 5, seed: int = 0,
           progress: Callable[[CandidateResult], None] | None = None) -> list[CandidateResult]:
    """Every candidate's held-out result, best first."""
    results = []
    for candidate in candidates:
        result = CandidateResult(candidate, cross_validate(settings, corpus, generated, labeled, candidate, k, seed))
        results.append(result)
        if progress is not None:
            progress(result)
    return sorted(results, key=CandidateResult.rank, reverse=True)


@dataclass(frozen=True)
class LabeledSource:
    """Hand-labeled listings to train on, and where they came from (for the model's provenance)."""

    name: str
    data: TrainingSet


def train_selected(settings: Settings, generated: TrainingSet, generated_provenance: dict[str, Any],
                   sources: Sequence[LabeledSource], candidates: Sequence[Candidate], version: str,
                   corpus: Corpus | None = None, k: int = 5, seed: int = 0,
                   progress: Callable[[CandidateResult], None] | None = None,
                   ) -> tuple[LogisticModel, dict[str, Any], list[CandidateResult]]:
    """The model to ship and its provenance. With a ``corpus`` (which must also be ``sources[0]``),
    the candidate with the best held-out figures is chosen; without one, the first candidate is
    used and the provenance says no held-out figures chose it."""
    labeled = [source.data for source in sources]
    results: list[CandidateResult] = []
    chosen = candidates[0]
    if corpus is not None:
        results = select(settings, corpus, generated, labeled, candidates, k, seed, progress)
        chosen = results[0].candidate
    model = fit_candidate(generated, labeled, chosen if labeled else Candidate(chosen.l2, 0.0), version)
    share = chosen.labeled_share if labeled else 0.0
    provenance: dict[str, Any] = {
        "generated": {**generated_provenance, "listings": len(generated.labels), "weight_share": round(1 - share, 4)},
        "labeled": [{"source": s.name, "listings": len(s.data.labels), "weight_share": round(share / len(sources), 4)}
                    for s in sources],
        "l2": chosen.l2,
        "candidate": {"l2": chosen.l2, "labeled_share": share},
        "weighting": "each source carries its weight share; within a source every listing weighs the same",
    }
    if results:
        provenance["selection"] = {
            "by": "k-fold held-out figures on the corpus (never figures on listings a model was fitted on)",
            "k": k, "fold_seed": seed, "targets": {n: f"{d} {b}" for n, (d, b) in TARGETS.items()},
            "held_out": _figures(results[0].report),
            "candidates": [{"l2": r.candidate.l2, "labeled_share": r.candidate.labeled_share, **_figures(r.report),
                            "missed": r.missed} for r in results],
        }
    return model, provenance, results


def _figures(report: dict[str, Any]) -> dict[str, Any]:
    return {name: report.get(name) for name in ("listings", *TARGETS)}
