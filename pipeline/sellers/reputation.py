"""Seller reputation built from enforcement outcomes.

Outcomes are facts about listings (a takedown confirmed, a notice rejected, a
counter-notice, a reinstatement); a seller's reputation is their running
count. A reinstatement undoes a confirmation: the takedown was wrong, and an
honest seller must not carry it into the next decision. The times of recent
confirmations are kept too, because a repeat-infringer policy counts strikes
within a window of time (:mod:`pipeline.sellers.repeat_infringer`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import numpy as np

RECENT_IDS = 64


class Outcome(StrEnum):
    """What a takedown service or reviewer concluded about a listing."""

    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    COUNTER_NOTICED = "counter_noticed"
    REINSTATED = "reinstated"


@dataclass(frozen=True, slots=True)
class SellerReputation:
    """What enforcement outcomes say of one seller: counts by outcome, and the recent outcome ids that make a redelivery count once."""

    seller_id: str
    confirmed: int = 0
    rejected: int = 0
    counter_noticed: int = 0
    reinstated: int = 0
    last_outcome_at: str | None = None
    recent_outcome_ids: tuple[str, ...] = ()  # redelivered outcomes are recognised and count once
    # when the most recent confirmations were decided (ISO 8601, in arrival order, at most RECENT_IDS);
    # a reinstatement removes the last one, as outcomes do not say which takedown was undone. Records
    # written before this field existed read as having none.
    confirmed_at: tuple[str, ...] = ()

    @property
    def confirmed_takedowns(self) -> int:
        """Confirmed counterfeits that were not later reinstated."""
        return max(0, self.confirmed - self.reinstated)

    def apply(self, outcome: Outcome, at: str | None, outcome_id: str | None = None) -> SellerReputation:
        if outcome_id is not None and outcome_id in self.recent_outcome_ids:
            return self
        field = outcome.value
        recent = self.recent_outcome_ids if outcome_id is None else (*self.recent_outcome_ids, outcome_id)[-RECENT_IDS:]
        times = self.confirmed_at
        if outcome is Outcome.CONFIRMED and at:
            times = (*times, at)[-RECENT_IDS:]
        elif outcome is Outcome.REINSTATED and times:
            times = times[:-1]
        return replace(self, **{field: getattr(self, field) + 1}, last_outcome_at=at or self.last_outcome_at,
                       recent_outcome_ids=recent, confirmed_at=times)

    def to_dict(self) -> dict[str, Any]:
        # field by field: dataclasses.asdict deep-copies every value, once per outcome applied
        return {"seller_id": self.seller_id, "confirmed": self.confirmed, "rejected": self.rejected,
                "counter_noticed": self.counter_noticed, "reinstated": self.reinstated,
                "last_outcome_at": self.last_outcome_at, "recent_outcome_ids": list(self.recent_outcome_ids),
                "confirmed_at": list(self.confirmed_at)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SellerReputation:
        return cls(
            seller_id=str(data["seller_id"]),
            confirmed=int(data.get("confirmed", 0)), rejected=int(data.get("rejected", 0)),
            counter_noticed=int(data.get("counter_noticed", 0)), reinstated=int(data.get("reinstated", 0)),
            last_outcome_at=data.get("last_outcome_at"),
            recent_outcome_ids=tuple(data.get("recent_outcome_ids", ())),
            confirmed_at=tuple(data.get("confirmed_at", ())),
        )


class ReputationBook:
    """Confirmed-takedown counts of every seller with an outcome: what scoring reads.

    Built for millions of sellers in every worker: counts live in two sorted
    numpy arrays keyed by a 64-bit hash of the seller id (12 bytes a seller),
    with a small dict of recent changes merged in when it grows. A batch of
    listings is looked up with one ``searchsorted``. Absent means clean. The
    full record of a seller stays in ``sellers.reputation`` and its table.
    """

    def __init__(self, merge_at: int = 65_536) -> None:
        self._keys = np.empty(0, dtype=np.uint64)
        self._counts = np.empty(0, dtype=np.int32)
        self._recent: dict[int, int] = {}  # newer than the arrays; 0 means cleared
        self._merge_at = merge_at

    def __len__(self) -> int:
        """Sellers with at least one confirmed takedown (recent changes merged first)."""
        self._merge()
        return int(self._keys.size)

    def put(self, reputation: SellerReputation) -> None:
        self._recent[_key(reputation.seller_id)] = reputation.confirmed_takedowns
        if len(self._recent) >= self._merge_at:
            self._merge()

    def remove(self, seller_id: str) -> None:
        self._recent[_key(seller_id)] = 0

    def confirmed_takedowns(self, seller_id: str) -> int:
        return int(self.confirmed_takedowns_batch([seller_id])[0])

    def confirmed_takedowns_batch(self, seller_ids: Sequence[str]) -> np.ndarray:
        keys = np.fromiter((_key(s) for s in seller_ids), dtype=np.uint64, count=len(seller_ids))
        counts = np.zeros(len(seller_ids), dtype=np.int64)
        if self._keys.size:
            at = np.minimum(np.searchsorted(self._keys, keys), self._keys.size - 1)
            found = self._keys[at] == keys
            counts[found] = self._counts[at[found]]
        if self._recent:
            recent = self._recent
            for index, key in enumerate(keys.tolist()):
                if key in recent:
                    counts[index] = recent[key]
        return counts

    def _merge(self) -> None:
        if not self._recent:
            return
        keys = np.concatenate([self._keys, np.fromiter(self._recent.keys(), dtype=np.uint64, count=len(self._recent))])
        counts = np.concatenate([self._counts, np.fromiter(self._recent.values(), dtype=np.int32, count=len(self._recent))])
        order = np.argsort(keys, kind="stable")  # recent entries sort after the old ones they replace
        keys, counts = keys[order], counts[order]
        last = np.append(keys[1:] != keys[:-1], True)
        keep = last & (counts > 0)
        self._keys, self._counts = keys[keep], counts[keep]
        self._recent.clear()


def _key(seller_id: str) -> int:
    """64-bit hash of a seller id; Python's own string hash, stable within a process (the
    book never leaves it), and collisions among millions of sellers are negligible."""
    return hash(seller_id) & 0xFFFF_FFFF_FFFF_FFFF
