"""Who has a review item open, agreed through the log rather than through one process's memory.

Two reviewers must not work the same listing: the one who opens an item
claims it, and the others stop seeing it. Every console process writes its
claims to the compacted claims topic and applies everyone's in log order, so
the log decides a race: a claim on an item another reviewer holds (unexpired
at the moment the new claim was made) changes nothing, and each process,
having read its own claim back, knows whether it won. Claims expire, so an
item left open in a closed tab returns to the queue; an escalation is a claim
that does not expire and takes the item out of the ordinary queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pipeline.timestamps import format_timestamp, parse_timestamp

SCHEMA_VERSION = 1
CLAIMED, RELEASED, ESCALATED = "claimed", "released", "escalated"
STATES = (CLAIMED, RELEASED, ESCALATED)


@dataclass(frozen=True, slots=True)
class Claim:
    """One reviewer's hold on one review item, until ``expires_at`` (None: escalated, no expiry)."""

    review_id: str
    reviewer_id: str
    state: str
    at: datetime
    expires_at: datetime | None
    note: str = ""

    def holds(self, now: datetime) -> bool:
        return self.state == ESCALATED or (self.state == CLAIMED and self.expires_at is not None
                                          and now < self.expires_at)


def claim_record(review_id: str, reviewer_id: str, state: str, now: datetime, ttl_s: float,
                 note: str = "") -> dict[str, Any]:
    """A record of the claims topic (schemas/review_claim.v1.json)."""
    assert state in STATES, state
    record: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "review_id": review_id, "reviewer_id": reviewer_id,
                              "state": state, "at": format_timestamp(now),
                              "expires_at": format_timestamp(now + timedelta(seconds=ttl_s)) if state == CLAIMED
                              else None}
    if note:
        record["note"] = note
    return record


def parse_claim(record: dict[str, Any]) -> Claim:
    expires = record.get("expires_at")
    return Claim(str(record["review_id"]), str(record["reviewer_id"]), str(record["state"]),
                 parse_timestamp(record["at"]), parse_timestamp(expires) if expires else None,
                 str(record.get("note", "")))


class ClaimBook:
    """The claims in force, from the claims topic applied in log order."""

    def __init__(self) -> None:
        self.claims: dict[str, Claim] = {}

    def apply(self, claim: Claim) -> bool:
        """Apply one record; False if it lost to a claim another reviewer held at its time."""
        current = self.claims.get(claim.review_id)
        if current is not None and current.reviewer_id != claim.reviewer_id and current.holds(claim.at):
            return False
        if claim.state == RELEASED:
            self.claims.pop(claim.review_id, None)
        else:
            self.claims[claim.review_id] = claim
        return True

    def forget(self, review_id: str) -> None:
        """A tombstone: the item was decided, nobody holds it any more."""
        self.claims.pop(review_id, None)

    def holder(self, review_id: str, now: datetime) -> Claim | None:
        claim = self.claims.get(review_id)
        return claim if claim is not None and claim.holds(now) else None

    def hidden_from(self, reviewer_id: str, now: datetime) -> set[str]:
        """Items another reviewer holds, and every escalated item: not in this reviewer's queue."""
        return {rid for rid, claim in self.claims.items()
                if claim.holds(now) and (claim.reviewer_id != reviewer_id or claim.state == ESCALATED)}

    def escalated(self) -> list[Claim]:
        return sorted((c for c in self.claims.values() if c.state == ESCALATED), key=lambda c: c.at)
