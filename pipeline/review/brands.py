"""Per brand, what the automated routes and the reviewers did: the brand page's numbers.

A brand-protection team asks three things of the console: how many of its
brand's listings each route took, day by day; how big its review queue is;
and whether reviewers agree with the automation. A reviewer overturns the
automation when the verdict goes against the side the decision leaned to:
genuine on a takedown or on a review item the score put at or above
:data:`LEAN` (more likely counterfeit than not), counterfeit on a clear or on
a review item below it. Counts only, a day and a route at a time, so a
console that reads every decision keeps a few numbers per brand and day.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from pipeline.review.verdicts import is_review_outcome

LEAN = 0.5
ROUTES = ("takedown", "review", "clear")
NO_BRAND = "none"


@dataclass(slots=True)
class BrandNumbers:
    """One brand's counts: routes by day, reviewer verdicts by day, overturns by day."""

    routes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))  # day -> route -> n
    verdicts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))  # day -> outcome -> n
    overturned: Counter[str] = field(default_factory=Counter)  # day -> n

    def days(self) -> list[str]:
        return sorted(set(self.routes) | set(self.verdicts))

    def reviewed(self) -> int:
        return sum(sum(c.values()) for c in self.verdicts.values())

    def overturn_share(self) -> float | None:
        reviewed = self.reviewed()
        return sum(self.overturned.values()) / reviewed if reviewed else None


class BrandBook:
    """Every brand's numbers, from decisions and outcomes applied in any order."""

    def __init__(self) -> None:
        self.brands: dict[str, BrandNumbers] = defaultdict(BrandNumbers)
        self._leans: dict[str, tuple[str, float]] = {}  # decision id -> (route, score), of flagged decisions
        self._pending: dict[str, list[dict[str, Any]]] = {}  # reviewer outcomes whose decision is not read yet
        self._counted: set[str] = set()  # outcome ids counted: a repeat counts once

    def add_decision(self, decision: dict[str, Any]) -> None:
        brand = decision.get("brand") or NO_BRAND
        self.brands[brand].routes[str(decision["decided_at"])[:10]][decision["route"]] += 1
        if decision["route"] != "clear" or decision["decision_id"] in self._pending:
            self._leans[decision["decision_id"]] = (decision["route"], float(decision["score"]))
        for outcome in self._pending.pop(decision["decision_id"], ()):
            self._judge(outcome)

    def add_outcome(self, outcome: dict[str, Any]) -> None:
        if not is_review_outcome(outcome) or outcome["outcome_id"] in self._counted:
            return
        self._counted.add(outcome["outcome_id"])
        day = str(outcome["decided_at"])[:10]
        self.brands[outcome.get("brand") or NO_BRAND].verdicts[day][outcome["outcome"]] += 1
        if outcome.get("decision_id") in self._leans:
            self._judge(outcome)
        elif outcome.get("decision_id"):
            self._pending.setdefault(outcome["decision_id"], []).append(outcome)

    def _judge(self, outcome: dict[str, Any]) -> None:
        route, score = self._leans[outcome["decision_id"]]
        if overturns(route, score, outcome["outcome"]):
            self.brands[outcome.get("brand") or NO_BRAND].overturned[str(outcome["decided_at"])[:10]] += 1


def overturns(route: str, score: float, outcome: str) -> bool:
    """Whether a reviewer's outcome goes against the side the automated decision leaned to."""
    leaned_counterfeit = route == "takedown" or (route == "review" and score >= LEAN)
    if outcome == "confirmed":
        return not leaned_counterfeit
    if outcome == "rejected":
        return leaned_counterfeit
    return False
