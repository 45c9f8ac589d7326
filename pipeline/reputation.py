"""Seller reputation built from enforcement outcomes.

Outcomes are facts about listings (a takedown confirmed, a notice rejected, a
counter-notice, a reinstatement); a seller's reputation is their running
count. A reinstatement undoes a confirmation: the takedown was wrong, and an
honest seller must not carry it into the next decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any


RECENT_IDS = 64


class Outcome(StrEnum):
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    COUNTER_NOTICED = "counter_noticed"
    REINSTATED = "reinstated"


@dataclass(frozen=True, slots=True)
class SellerReputation:
    seller_id: str
    confirmed: int = 0
    rejected: int = 0
    counter_noticed: int = 0
    reinstated: int = 0
    last_outcome_at: str | None = None
    recent_outcome_ids: tuple[str, ...] = ()  # redelivered outcomes are recognised and count once

    @property
    def confirmed_takedowns(self) -> int:
        """Confirmed counterfeits that were not later reinstated."""
        return max(0, self.confirmed - self.reinstated)

    def apply(self, outcome: Outcome, at: str | None, outcome_id: str | None = None) -> SellerReputation:
        if outcome_id is not None and outcome_id in self.recent_outcome_ids:
            return self
        field = outcome.value
        recent = self.recent_outcome_ids if outcome_id is None else (*self.recent_outcome_ids, outcome_id)[-RECENT_IDS:]
        return replace(self, **{field: getattr(self, field) + 1}, last_outcome_at=at or self.last_outcome_at,
                       recent_outcome_ids=recent)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["recent_outcome_ids"] = list(self.recent_outcome_ids)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SellerReputation:
        return cls(
            seller_id=str(data["seller_id"]),
            confirmed=int(data.get("confirmed", 0)), rejected=int(data.get("rejected", 0)),
            counter_noticed=int(data.get("counter_noticed", 0)), reinstated=int(data.get("reinstated", 0)),
            last_outcome_at=data.get("last_outcome_at"),
            recent_outcome_ids=tuple(data.get("recent_outcome_ids", ())),
        )


class ReputationBook:
    """Reputation of every seller with an outcome; what scoring reads. Absent means clean."""

    def __init__(self) -> None:
        self._sellers: dict[str, SellerReputation] = {}

    def __len__(self) -> int:
        return len(self._sellers)

    def get(self, seller_id: str) -> SellerReputation | None:
        return self._sellers.get(seller_id)

    def put(self, reputation: SellerReputation) -> None:
        self._sellers[reputation.seller_id] = reputation

    def remove(self, seller_id: str) -> None:
        self._sellers.pop(seller_id, None)

    def confirmed_takedowns(self, seller_id: str) -> int:
        reputation = self._sellers.get(seller_id)
        return reputation.confirmed_takedowns if reputation else 0
