"""How accurate each notifier's notices are (DSA Art. 23(2)): counts, and a flag for the unfounded.

Marketplaces give accurate notifiers lighter evidence burdens, and Art. 23(2)
lets them stop processing the notices of those who frequently send manifestly
unfounded ones. Both need the same record per notifier: notices sent, upheld,
rejected, counter-noticed and reinstated, and the share of unfounded notices
(rejected, or upheld and then reinstated on the seller's complaint) among the
notices decided within a window. A notifier above the set share, with enough
decided notices to judge, is flagged; one that falls back below is cleared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from pipeline.timestamps import format_timestamp, parse_timestamp

EVENTS = ("sent", "upheld", "rejected", "counter_noticed", "reinstated")
UNFOUNDED = frozenset({"rejected", "reinstated"})
DECIDED = frozenset({"upheld", "rejected", "reinstated"})
RECENT_EVENTS = 256
WINDOW_ENTRIES = 1024


@dataclass(frozen=True, slots=True)
class AccuracyPolicy:
    """When a notifier counts as sending manifestly unfounded notices."""

    unfounded_share: float
    window_days: int
    min_decided: int


class Judged(NamedTuple):
    """A notifier's new record (None for an event counted already) and a flag change to publish."""

    value: dict[str, Any] | None
    flag: dict[str, Any] | None


def notifier_event(notifier_id: str, event: str, notice_id: str, listing_id: str, at: str,
                   trusted_flagger: bool = False) -> dict[str, Any]:
    """One fact about a notifier's notice, for the notifier-keyed stream (``event_id`` makes a repeat count once)."""
    return {"notifier_id": notifier_id, "event": event, "notice_id": notice_id, "listing_id": listing_id, "at": at,
            "trusted_flagger": trusted_flagger, "event_id": f"{event}:{notice_id}"}


def apply_event(current: Mapping[str, Any] | None, event: Mapping[str, Any], now: datetime,
                policy: AccuracyPolicy) -> Judged:
    record: dict[str, Any] = dict(current) if current else {
        "schema_version": 1, "notifier_id": event["notifier_id"], "trusted_flagger": False,
        **{name: 0 for name in EVENTS}, "window": [], "unfounded_share": 0.0, "flagged": False, "flagged_at": None,
        "recent_event_ids": []}
    if event["event"] not in EVENTS:
        raise ValueError(f"unknown notifier event {event['event']!r}")
    if event["event_id"] in record["recent_event_ids"]:
        return Judged(None, None)
    record["recent_event_ids"] = [*record["recent_event_ids"], event["event_id"]][-RECENT_EVENTS:]
    record[event["event"]] += 1
    record["trusted_flagger"] = bool(record.get("trusted_flagger") or event.get("trusted_flagger"))
    window = list(record.get("window", ()))
    if event["event"] in DECIDED:
        if event["event"] == "reinstated":  # the notice was upheld, then found wrong: it counts as unfounded
            window = [w for w in window if not (w["notice_id"] == event["notice_id"] and not w["unfounded"])]
        window.append({"at": event["at"], "notice_id": event["notice_id"],
                       "unfounded": event["event"] in UNFOUNDED})
    moment = max(now, parse_timestamp(event["at"]))
    since = moment - timedelta(days=policy.window_days)
    window = [w for w in window if parse_timestamp(w["at"]) >= since][-WINDOW_ENTRIES:]
    record["window"] = window
    share = sum(w["unfounded"] for w in window) / len(window) if window else 0.0
    record["unfounded_share"] = round(share, 4)
    flagged = len(window) >= policy.min_decided and share > policy.unfounded_share
    record["updated_at"] = format_timestamp(moment)
    flag = None
    if flagged != bool(record.get("flagged")):
        record["flagged"] = flagged
        record["flagged_at"] = record["updated_at"] if flagged else None
        flag = {"schema_version": 1, "notifier_id": record["notifier_id"], "flagged": flagged,
                "unfounded_share": record["unfounded_share"], "decided": len(window),
                "window_days": policy.window_days, "threshold": policy.unfounded_share, "at": record["updated_at"]}
    return Judged(record, flag)


def format_notifier(record: Mapping[str, Any]) -> str:
    """``counterscan notifier ID`` for people."""
    lines = [f"notifier {record['notifier_id']}" + (" (trusted flagger)" if record.get("trusted_flagger") else "")]
    for name in EVENTS:
        lines.append(f"  {name:<16}{record.get(name, 0)}")
    lines.append(f"  unfounded share {record.get('unfounded_share', 0.0):.2f} of {len(record.get('window', ()))} "
                 "decided in the window")
    lines.append("  FLAGGED: its notices lose priority" if record.get("flagged") else "  not flagged")
    return "\n".join(lines)
