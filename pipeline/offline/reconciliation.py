"""Reconcile what went into the pipeline with what came out, by listing id.

Used by the demo, the benchmarks and the fault scenarios: ``lost`` counts
inputs with neither a decision nor a dead-letter record, ``duplicates`` counts
extra records carrying a decision id already seen (at-least-once redelivery).
Records of listings the run did not send (a cluster that holds earlier runs'
outputs) are left out, their duplicates too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Reconciliation:
    """Accounts for every listing of a run: decided, dead-lettered, lost, or decided twice."""

    expected: set[str]
    decided: dict[str, dict[str, Any]] = field(default_factory=dict)
    deadlettered: dict[str, str] = field(default_factory=dict)
    decision_ids: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0

    def add_decision(self, decision: dict[str, Any]) -> None:
        if decision["listing_id"] not in self.expected:
            return
        self.decision_ids[decision["decision_id"]] += 1
        if self.decision_ids[decision["decision_id"]] > 1:
            self.duplicates += 1
            return
        self.decided.setdefault(decision["listing_id"], decision)

    def add_deadletter(self, record: dict[str, Any]) -> None:
        key = record["source"]["key"]
        if key is not None and key not in self.expected:
            return
        if key is None or key in self.deadlettered:
            self.duplicates += key is not None
            return
        self.deadlettered[key] = record["reason"]

    @property
    def accounted(self) -> int:
        return len(self.expected & (self.decided.keys() | self.deadlettered.keys()))

    @property
    def complete(self) -> bool:
        return self.accounted == len(self.expected)

    def lost(self) -> set[str]:
        return self.expected - self.decided.keys() - self.deadlettered.keys()

    def summary(self) -> dict[str, Any]:
        decided = self.expected & self.decided.keys()
        return {
            "listings_in": len(self.expected),
            "decisions": len(decided),
            "deadletter": len(self.expected & self.deadlettered.keys()),
            "lost": len(self.lost()),
            "duplicates": self.duplicates,
            "routes": dict(sorted(Counter(self.decided[i]["route"] for i in decided).items())),
            "deadletter_reasons": dict(sorted(Counter(self.deadlettered[i] for i in self.expected & self.deadlettered.keys()).items())),
        }
