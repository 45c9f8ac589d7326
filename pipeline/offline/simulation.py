"""Enforcement outcomes simulated from ground truth, so offline runs learn as the stream does.

In production a takedown notice comes back as an outcome on
``enforcement.outcomes`` (confirmed, or rejected when the listing was
genuine), is folded into seller reputation, and raises the scores of the
seller's and its network's next listings. Offline there is no takedown
service, so this module plays one: after each batch, every listing routed to
takedown gets the outcome its ground-truth label implies, and the outcomes are
applied to the scanner's reputation book and seller networks before the next
batch is scored. Reviews get no outcome (a reviewer's verdict is not
simulated). Every number computed this way is from simulated outcomes, and
reports must say so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from pipeline import topics
from pipeline.batches import chunked
from pipeline.scanner import Scanner
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.reputation import Outcome, ReputationBook, SellerReputation
from pipeline.types import InputRecord

BATCH = 2000
SIMULATION_NOTE = ("enforcement outcomes are simulated from the ground-truth labels: each listing routed to "
                   "takedown is confirmed if labeled counterfeit and rejected otherwise, and applied to seller "
                   "reputation (and seller networks) after its batch; reviews get no outcome")


@dataclass(slots=True)
class EnforcementSimulator:
    """Plays the takedown service. ``truth`` maps listing id to its label line (as
    ``counterscan generate --labels`` writes it); ``networks`` None keeps outcomes out of the
    seller networks, which is how a run without network signals is made."""

    truth: Mapping[str, Mapping[str, Any]]
    reputation: ReputationBook
    networks: SellerNetworks | None = None
    sellers: dict[str, SellerReputation] = field(default_factory=dict)
    network_confirmed: Counter[str] = field(default_factory=Counter)  # by ground-truth network
    outcomes: Counter[str] = field(default_factory=Counter)

    def apply(self, decisions: Iterable[Mapping[str, Any]]) -> None:
        """Outcomes of a scored batch's takedowns, into reputation and networks."""
        for decision in decisions:
            truth = self.truth.get(decision["listing_id"])
            if decision["route"] != "takedown" or truth is None:
                continue
            confirmed = truth.get("label") == "counterfeit"
            outcome = Outcome.CONFIRMED if confirmed else Outcome.REJECTED
            seller_id = decision["seller_id"]
            seller = self.sellers.get(seller_id) or SellerReputation(seller_id)
            seller = seller.apply(outcome, decision.get("observed_at"), decision["decision_id"])
            self.sellers[seller_id] = seller
            self.reputation.put(seller)
            if self.networks is not None:
                self.networks.record_confirmed(seller_id, seller.confirmed_takedowns)
            self.outcomes[outcome.value] += 1
            if confirmed and truth.get("network"):
                self.network_confirmed[truth["network"]] += 1

    def new_account_of_known_network(self, listing_id: str) -> bool:
        """The first listing of an account opened by a network that already has confirmed takedowns."""
        truth = self.truth.get(listing_id) or {}
        network = truth.get("network")
        return bool(truth.get("first_listing") and network and self.network_confirmed[network] > 0)


@dataclass(frozen=True, slots=True)
class FeedbackRun:
    """The outcome of scoring with simulated enforcement feedback."""

    decisions: list[dict[str, Any]]
    cohort: frozenset[str]  # first listings of new accounts of networks known when they were scored
    outcomes: Mapping[str, int]


def score_with_feedback(scanner: Scanner, records: Iterable[InputRecord], simulator: EnforcementSimulator,
                        batch: int = BATCH) -> FeedbackRun:
    """Score in batches as the stream does, applying simulated outcomes after each batch."""
    decisions: list[dict[str, Any]] = []
    cohort: set[str] = set()
    for chunk in chunked(records, batch):
        result = scanner.process(chunk)
        scored = [orjson.loads(o.value) for o in result.outputs if o.topic == topics.DECISIONS.name]
        # known or not as the batch was scored: its own outcomes are not in yet
        cohort.update(d["listing_id"] for d in scored if simulator.new_account_of_known_network(d["listing_id"]))
        simulator.apply(scored)
        decisions.extend(scored)
    return FeedbackRun(decisions, frozenset(cohort), dict(simulator.outcomes))
