"""A reviewer's verdict as the enforcement outcome the feedback workers read.

The console publishes to ``enforcement.outcomes`` exactly what a takedown
service would (schemas/enforcement_outcome.v1.json), so seller reputation
moves the same way whoever concluded. The outcome id depends on the review
item alone, not on the click: a double click, a retried request or a second
console process publishing the same verdict count once, because the feedback
workers drop an outcome id they have applied.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline.records import SCHEMA_VERSION, stable_id
from pipeline.timestamps import format_timestamp

# what a reviewer presses -> the outcome it publishes
VERDICTS = {"counterfeit": "confirmed", "genuine": "rejected"}
ESCALATE = "escalate"
ACTIONS = (*VERDICTS, ESCALATE)
OUTCOME_ID_PREFIX = "review-"
MAX_NOTE = 2048


def outcome_id(review_id: str) -> str:
    """One outcome per review item, whichever button and however often it is pressed."""
    return OUTCOME_ID_PREFIX + stable_id("review outcome", review_id)


def is_review_outcome(outcome: dict[str, Any]) -> bool:
    """Published by a reviewer through the console (not by a takedown service)."""
    return str(outcome.get("outcome_id", "")).startswith(OUTCOME_ID_PREFIX)


def outcome_record(request: dict[str, Any], verdict: str, reviewer_id: str, now: datetime,
                   note: str = "") -> dict[str, Any]:
    """The enforcement outcome of ``verdict`` (counterfeit or genuine) on a review request."""
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "outcome_id": outcome_id(request["review_id"]),
        "decision_id": request["decision_id"],
        "listing_id": request["listing_id"],
        "marketplace": request["marketplace"],
        "seller_id": request["seller_id"],
        "brand": request.get("brand"),
        "outcome": VERDICTS[verdict],
        "decided_by": reviewer_id,
        "decided_at": format_timestamp(now),
    }
    note = note.strip()[:MAX_NOTE]
    if note:
        record["note"] = note
    return record
