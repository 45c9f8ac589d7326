"""An evaluation run over files: listings and their labels in, a report of how good the decisions were.

The report is what ``counterscan evaluate`` prints and writes as JSON. With
feedback, the listings are scored twice through the enforcement simulation,
once with seller networks and once without, so the report also says what the
networks add; without, each listing is scored once with the state given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from pipeline import topics
from pipeline.offline.evaluation import cohort_recall, evaluate, network_comparison
from pipeline.offline.scoring import StateFileError, offline_scanner, read_lines, score_records
from pipeline.offline.simulation import SIMULATION_NOTE, EnforcementSimulator, score_with_feedback
from pipeline.settings import Settings

__all__ = ["GroundTruth", "LabelFileError", "evaluate_files", "read_ground_truth"]


class LabelFileError(StateFileError):
    """A labels file that cannot be read as ground truth: the message names the file and line."""


@dataclass(frozen=True)
class GroundTruth:
    """Labels as ``generate --labels`` writes them: one object per listing, with its label
    (``counterfeit`` or ``genuine``) and, for branded listings, the brand."""

    rows: Mapping[str, Mapping[str, Any]]

    @property
    def labels(self) -> dict[str, str]:
        return {listing_id: row["label"] for listing_id, row in self.rows.items()}

    @property
    def brands(self) -> dict[str, str]:
        return {listing_id: row["brand"] for listing_id, row in self.rows.items() if row.get("brand")}


def read_ground_truth(path: Path) -> GroundTruth:
    """One JSON object per line; a line without ``listing_id`` and ``label`` is an error that names it."""
    rows: dict[str, Mapping[str, Any]] = {}
    for number, line in enumerate(path.read_bytes().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
            rows[row["listing_id"]] = row
            row["label"]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise LabelFileError(f"{path}:{number}: not a label line with listing_id and label ({exc})") from exc
    return GroundTruth(rows)


def evaluate_files(settings: Settings, listings: Path, truth: GroundTruth, *, brands: Path | None = None,
                   reputation: Path | None = None, feedback: bool = True) -> dict[str, Any]:
    """Score ``listings`` and measure the decisions against ``truth``."""
    scanner = offline_scanner(settings, brands, reputation)
    if not feedback:
        decisions = [orjson.loads(o.value) for o in score_records(scanner, read_lines(listings))
                     if o.topic == topics.DECISIONS.name]
        report = evaluate(decisions, truth.labels, truth.brands)
    else:
        runs = {}
        for name, with_networks in (("with", True), ("without", False)):
            if not with_networks:
                scanner = offline_scanner(settings, brands, reputation)
            simulator = EnforcementSimulator(truth.rows, scanner.reputation, scanner.networks if with_networks else None)
            run = score_with_feedback(scanner, read_lines(listings), simulator)
            runs[name] = {"overall": evaluate(run.decisions, truth.labels, truth.brands),
                          "cohort": cohort_recall(run.decisions, run.cohort), "outcomes": run.outcomes}
        report = runs["with"]["overall"]
        report["simulated_outcomes"] = runs["with"]["outcomes"]
        report["seller_networks"] = network_comparison(runs["with"], runs["without"], SIMULATION_NOTE)
    report["thresholds"] = {"takedown": settings.takedown_threshold, "review": settings.review_threshold}
    report["model_version"] = scanner.model.version
    return report
