"""An evaluation run over labeled listings: listings and their labels in, a report of how good the decisions were.

The report is what ``counterscan evaluate`` prints and writes as JSON. With
feedback, the listings are scored twice through the enforcement simulation,
once with seller networks and once without, so the report also says what the
networks add; without, each listing is scored once with the state given.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from pipeline import topics
from pipeline.offline.evaluation import cohort_recall, evaluate, network_comparison
from pipeline.offline.scoring import StateFileError, offline_scanner, read_lines, score_records
from pipeline.offline.simulation import BATCH, SIMULATION_NOTE, EnforcementSimulator, score_with_feedback
from pipeline.scoring.model import LogisticModel
from pipeline.settings import Settings
from pipeline.types import InputRecord

__all__ = ["BREAKDOWNS", "GroundTruth", "LabelFileError", "evaluate_files", "evaluate_records", "read_ground_truth",
           "scored_decisions"]

BREAKDOWNS = ("subtype", "language", "marketplace")  # label fields reported on, where the labels have them


class LabelFileError(StateFileError):
    """A labels file that cannot be read as ground truth: the message names the file and line."""


@dataclass(frozen=True)
class GroundTruth:
    """Labels as ``generate --labels`` writes them: one object per listing, with its label
    (``counterfeit`` or ``genuine``) and, for branded listings, the brand. Hand-labeled
    corpora add a subtype, a language and the marketplace."""

    rows: Mapping[str, Mapping[str, Any]]

    @property
    def labels(self) -> dict[str, str]:
        return {listing_id: row["label"] for listing_id, row in self.rows.items()}

    @property
    def brands(self) -> dict[str, str]:
        return {listing_id: row["brand"] for listing_id, row in self.rows.items() if row.get("brand")}

    @property
    def breakdowns(self) -> dict[str, dict[str, str]]:
        """Each of :data:`BREAKDOWNS` that some row has, with every row's value."""
        found = {name: {i: str(row[name]) for i, row in self.rows.items() if row.get(name)} for name in BREAKDOWNS}
        return {name: values for name, values in found.items() if values}


def read_ground_truth(source: Path | IO[bytes], name: str | None = None) -> GroundTruth:
    """One JSON object per line, from a file or an open stream (stdin); a line without
    ``listing_id`` and ``label`` is an error that names it (and ``name``, else the file)."""
    path = name or (str(source) if isinstance(source, Path) else str(getattr(source, "name", "stream")))
    rows: dict[str, Mapping[str, Any]] = {}
    data = source.read_bytes() if isinstance(source, Path) else source.read()
    for number, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
            rows[row["listing_id"]] = row
            row["label"]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise LabelFileError(f"{path}:{number}: not a label line with listing_id and label ({exc})") from exc
    return GroundTruth(rows)


def scored_decisions(settings: Settings, records: Iterable[InputRecord], truth: GroundTruth, *,
                     model: LogisticModel | None = None, brands: Path | None = None, reputation: Path | None = None,
                     batch: int = BATCH) -> list[dict[str, Any]]:
    """Every decision of a run with simulated enforcement feedback and seller networks."""
    scanner = offline_scanner(settings, brands, reputation, model)
    simulator = EnforcementSimulator(truth.rows, scanner.reputation, scanner.networks)
    return score_with_feedback(scanner, records, simulator, batch).decisions


def evaluate_records(settings: Settings, records: Callable[[], Iterable[InputRecord]], truth: GroundTruth, *,
                     brands: Path | None = None, reputation: Path | None = None, feedback: bool = True,
                     model: LogisticModel | None = None, batch: int = BATCH,
                     counted: Collection[str] | None = None,
                     measured_out: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Score the listings ``records()`` yields (called once per pass) and measure the decisions
    against ``truth``; with ``counted``, only those listings' decisions are measured (a fold).
    ``measured_out`` receives the decisions the report measures (for plots)."""
    def measured(decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return decisions if counted is None else [d for d in decisions if d["listing_id"] in counted]

    def measure(decisions: list[dict[str, Any]], kept: bool = True) -> dict[str, Any]:
        if measured_out is not None and kept:
            measured_out[:] = measured(decisions)
        return evaluate(measured(decisions), truth.labels, truth.brands, truth.breakdowns)

    scanner = offline_scanner(settings, brands, reputation, model)
    if not feedback:
        report = measure([orjson.loads(o.value) for o in score_records(scanner, records())
                          if o.topic == topics.DECISIONS.name])
    else:
        runs = {}
        for name, with_networks in (("with", True), ("without", False)):
            if not with_networks:
                scanner = offline_scanner(settings, brands, reputation, model)
            simulator = EnforcementSimulator(truth.rows, scanner.reputation, scanner.networks if with_networks else None)
            run = score_with_feedback(scanner, records(), simulator, batch)
            runs[name] = {"overall": measure(run.decisions, kept=with_networks), "cohort": cohort_recall(measured(run.decisions), run.cohort),
                          "outcomes": run.outcomes}
        report = runs["with"]["overall"]
        report["simulated_outcomes"] = runs["with"]["outcomes"]
        report["seller_networks"] = network_comparison(runs["with"], runs["without"], SIMULATION_NOTE)
    report["thresholds"] = {"takedown": settings.takedown_threshold, "review": settings.review_threshold}
    report["model_version"] = scanner.model.version
    return report


def evaluate_files(settings: Settings, listings: Path, truth: GroundTruth, **options: Any) -> dict[str, Any]:
    """:func:`evaluate_records` over a file of listings, one JSON object a line."""
    return evaluate_records(settings, lambda: read_lines(listings), truth, **options)
