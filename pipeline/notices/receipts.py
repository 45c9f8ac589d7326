"""Receipts and decisions told to notifiers on ``notices.receipts`` (DSA Art. 16(4), 16(5)).

A notifier hears back at once, whatever became of its notice: received and
routed, kept because the listing is not known yet, incomplete, a duplicate of
its own earlier notice; and later what was decided and whether automated means
were used. A receipt carries the notice's ids and the notifier's id, never the
notifier's contact data: the notifier knows who it is.
"""

from __future__ import annotations

from typing import Any

from pipeline.records import stable_id

MESSAGES = {
    "received": "Your notice was received and passed to the team that decides on it.",
    "listing_not_found": "Your notice was received, but the listing is not known (yet); it is kept and will be "
                         "handled if the listing appears within {window} days.",
    "listing_found": "The listing your notice names has appeared; your notice is now with the team that decides on it.",
    "incomplete": "Your notice cannot be processed as it stands: it lacks {missing}. Please send it again with them.",
    "duplicate": "You have already notified this listing (notice {case_id}); this notice was added to that case.",
    "expired": "The listing your notice names did not appear within {window} days; the notice is closed.",
    "decided": "A decision was taken on your notice: {outcome}{automated}.",
}

OUTCOME_WORDS = {
    "confirmed": "the listing was removed",
    "rejected": "the listing was not found to infringe and stays online",
    "counter_noticed": "the seller has disputed the removal; the complaint is being handled",
    "reinstated": "the listing was reinstated after the seller's complaint",
}


def receipt(status: str, notice_id: str, notifier_id: str, listing_id: str | None, issued_at: str, *,
            case_id: str | None = None, missing: tuple[str, ...] = (), priority: float | None = None,
            already_restricted: bool = False, outcome: str | None = None, automated: bool | None = None,
            window_days: int = 0) -> dict[str, Any]:
    """One receipt; its id is the same for the same notice, status and outcome, so a redelivery is recognisable."""
    message = MESSAGES[status].format(
        window=window_days, missing="; ".join(missing), case_id=case_id,
        outcome=OUTCOME_WORDS.get(outcome or "", ""),
        automated="" if automated is None else (" (automated means were used)" if automated
                                                else " (decided by a person)"))
    if already_restricted and status in ("received", "listing_found"):
        message += " The listing had already been taken down."
    return {
        "schema_version": 1,
        "receipt_id": stable_id("receipt", notice_id, notifier_id, status, outcome or ""),
        "notice_id": notice_id,
        "notifier_id": notifier_id,
        "listing_id": listing_id,
        "case_id": case_id,
        "status": status,
        "missing": list(missing),
        "priority": priority,
        "already_restricted": already_restricted,
        "decision": None if outcome is None else {"outcome": outcome, "automated": bool(automated)},
        "message": message,
        "issued_at": issued_at,
    }
