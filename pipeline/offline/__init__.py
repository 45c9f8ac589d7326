"""Offline work on files, through the stream's own code path: scoring, evaluation, training.

What a listing gets offline is what it gets in the stream with the same
profiles and reputation; evaluation measures precision and recall against
labels, training fits the model, the simulation replays enforcement feedback,
and reconciliation accounts for every listing of a run.
"""

from pipeline.offline.corpus import Corpus, CorpusError, load_corpus
from pipeline.offline.evaluation import (
    cohort_recall,
    evaluate,
    format_evaluation,
    format_network_comparison,
    network_comparison,
)
from pipeline.offline.labeled_run import GroundTruth, evaluate_files, read_ground_truth
from pipeline.offline.model_selection import Candidate, cross_validate, select
from pipeline.offline.reconciliation import Reconciliation
from pipeline.offline.scoring import StateFileError, offline_scanner, read_lines, score_records, write_outputs
from pipeline.offline.simulation import EnforcementSimulator, score_with_feedback
from pipeline.offline.training import LabeledListing, TrainingSet, fit, model_document, training_set, weighted

__all__ = [
    "Candidate",
    "Corpus",
    "CorpusError",
    "LabeledListing",
    "cross_validate",
    "load_corpus",
    "select",
    "EnforcementSimulator",
    "GroundTruth",
    "Reconciliation",
    "StateFileError",
    "TrainingSet",
    "cohort_recall",
    "evaluate",
    "evaluate_files",
    "fit",
    "format_evaluation",
    "format_network_comparison",
    "model_document",
    "network_comparison",
    "offline_scanner",
    "read_ground_truth",
    "read_lines",
    "score_records",
    "score_with_feedback",
    "training_set",
    "weighted",
    "write_outputs",
]
