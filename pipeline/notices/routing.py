"""What a notice handler needs with a notice: the listing's own decision, and which notice goes first.

The decision table keeps, per listing, only what a notice needs of its latest
decision (:func:`slim_decision`): the route, the score and the signals that
raised it with their sentences, not the whole audit record. Priority puts
trusted flaggers' notices first (DSA Art. 22), then other notifiers', and last
those of notifiers flagged for unfounded notices (Art. 23(2)); the listing's
own score orders notices within a tier.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_SIGNALS = 6
TIERS = {"trusted_flagger": 3.0, "notice": 2.0, "flagged": 1.0}
_KEPT = ("decision_id", "listing_id", "marketplace", "revision", "seller_id", "brand", "score", "route",
         "rules_version", "model_version", "decided_at", "observed_at")


def slim_decision(decision: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a ``listings.decisions`` record a notice, a statement or an appeal reads."""
    kept = {name: decision.get(name) for name in _KEPT}
    raising = [s for s in decision.get("signals", ()) if s.get("contribution", 0) > 0][:MAX_SIGNALS]
    kept["signals"] = [{k: s.get(k) for k in ("name", "value", "contribution", "detail")} for s in raising]
    return kept


def priority(source: str, notifier_flagged: bool, score: float | None) -> float:
    tier = TIERS["flagged"] if notifier_flagged else TIERS[source]
    return round(tier + min(max(score or 0.0, 0.0), 0.999999), 6)


def routed_notice(notice: Mapping[str, Any], meta: Mapping[str, Any], decision: Mapping[str, Any],
                  already_restricted: bool, routed_at: str) -> dict[str, Any]:
    """A valid notice joined with its listing's decision, for the people who decide on notices.
    ``meta`` is the case: notice id, notifier id, source, flag, priority and when the notice arrived."""
    return {
        "schema_version": 1,
        "notice_id": meta["notice_id"],
        "notifier_id": meta["notifier_id"],
        "listing_id": decision["listing_id"],
        "marketplace": decision.get("marketplace"),
        "source": meta["source"],
        "notifier_flagged": bool(meta.get("flagged")),
        "priority": meta["priority"],
        "already_restricted": already_restricted,
        "right": notice.get("right", {}),
        "explanation": notice.get("explanation", ""),
        "attachments": notice.get("attachments", []),
        "decision": {k: decision.get(k) for k in ("decision_id", "revision", "seller_id", "brand", "score", "route",
                                                   "signals", "rules_version", "model_version", "decided_at")},
        "received_at": meta["received_at"],
        "routed_at": routed_at,
    }
