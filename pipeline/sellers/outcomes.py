"""Enforcement outcomes read from ``enforcement.outcomes`` and applied to seller reputation."""

from __future__ import annotations

from typing import NamedTuple

from pipeline.intake.validation import decode_object, validator
from pipeline.sellers.reputation import Outcome, SellerReputation
from pipeline.types import Rejection

MAX_OUTCOME_BYTES = 64 * 1024
_OUTCOME = validator("enforcement_outcome.v1.json")


class OutcomeRecord(NamedTuple):
    """A valid record of ``enforcement.outcomes``. A named tuple, not a frozen dataclass: the feedback
    worker builds one for each of a seller's recent strikes from every reputation record it reads
    and writes, and a frozen dataclass's ``__init__`` cost about three times as much."""

    listing_id: str
    seller_id: str
    outcome: Outcome
    decided_at: str
    outcome_id: str | None


def parse_outcome(value: bytes | None) -> OutcomeRecord | Rejection:
    decoded = decode_object(value, MAX_OUTCOME_BYTES, _OUTCOME)
    if isinstance(decoded, Rejection):
        return decoded
    return OutcomeRecord(decoded["listing_id"], decoded["seller_id"], Outcome(decoded["outcome"]),
                         decoded["decided_at"], decoded.get("outcome_id"))


def apply_outcome(current: SellerReputation | None, record: OutcomeRecord) -> SellerReputation:
    return (current or SellerReputation(record.seller_id)).apply(record.outcome, record.decided_at, record.outcome_id)
