"""One listing's notices, decision, restriction and appeal, and what each new fact changes.

Everything that happens to a listing in notice and action passes through one
record keyed by listing id (the value of the notice worker's table), so the
steps of one listing are applied in order by one worker: a notice is joined
with the decision it finds there or kept until the listing appears; an outcome
is matched with the notices it decides and the restriction it carries out or
undoes. Each step returns the records to publish and the timings to observe;
nothing here touches Kafka.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pipeline import topics
from pipeline.notices import appeals
from pipeline.notices.accuracy import notifier_event
from pipeline.notices.intake import Notice
from pipeline.notices.receipts import receipt
from pipeline.notices.routing import priority, routed_notice
from pipeline.notices.statements import Provenance, restriction_statement, reversal_statement
from pipeline.timestamps import format_timestamp, parse_timestamp
from pipeline.types import Reason, Rejection

RECENT_IDS = 32
SOURCE_LABELS = ("notice", "trusted_flagger", "own_initiative")


@dataclass(frozen=True, slots=True)
class NoticePolicy:
    """The marketplace's choices for notice and action."""

    pending_window_days: int = 7  # how long a notice for an unknown listing waits for it
    appeal_deadline_days: int = 14  # how long the marketplace gives itself to decide a complaint
    automated_removal_brands: frozenset[str] = frozenset()  # brands whose takedown decisions are carried out at once
    territorial_scope: tuple[str, ...] = ()


@dataclass(slots=True)
class Step:
    """What one fact changed: the listing's new record (None: nothing to write), records to publish as
    (topic, key, value), timings as (stage, brand, source, seconds), and a rejection for the dead-letter topic."""

    value: dict[str, Any] | None = None
    records: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    timings: list[tuple[str, str, str, float]] = field(default_factory=list)
    rejection: Rejection | None = None


def empty(listing_id: str) -> dict[str, Any]:
    return {"listing_id": listing_id, "decision": None, "decision_ids": [], "cases": [], "pending": [],
            "restriction": None, "appeal": None, "outcome_ids": []}


def _seconds(start: str, now: datetime) -> float:
    return max(0.0, (now - parse_timestamp(start)).total_seconds())


def _brand(state: Mapping[str, Any]) -> str:
    return str((state.get("decision") or {}).get("brand") or "none")


def _join(state: dict[str, Any], case: dict[str, Any], notice: Mapping[str, Any], stamp: str, step: Step) -> None:
    decision = state["decision"]
    case["priority"] = priority(case["source"], case["flagged"], decision.get("score"))
    step.records.append((topics.NOTICES_ROUTED.name, state["listing_id"],
                         routed_notice(notice, case, decision, state["restriction"] is not None, stamp)))


def apply_decision(current: Mapping[str, Any] | None, decision: Mapping[str, Any], now: datetime,
                   policy: NoticePolicy) -> Step:
    """A listing's new decision (slim, see :func:`~pipeline.notices.routing.slim_decision`): kept, kept notices
    joined with it, and carried out at once where the marketplace removes that brand's takedowns automatically."""
    state = dict(current) if current else empty(str(decision["listing_id"]))
    known = state.get("decision")
    if known is not None and int(known.get("revision") or 0) > int(decision.get("revision") or 0):
        return Step()  # an older revision, late
    if known is not None and known.get("decision_id") == decision["decision_id"] and not state["pending"]:
        return Step()  # delivered again
    state["decision"] = dict(decision)
    state["decision_ids"] = [*[d for d in state["decision_ids"] if d != decision["decision_id"]],
                             decision["decision_id"]][-RECENT_IDS:]
    step = Step(state)
    stamp = format_timestamp(now)
    for pending in state["pending"]:
        case = pending["case"]
        if parse_timestamp(case["received_at"]) + timedelta(days=policy.pending_window_days) < now:
            step.records.append((topics.NOTICE_RECEIPTS.name, case["notifier_id"], receipt(
                "expired", case["notice_id"], case["notifier_id"], state["listing_id"], stamp,
                window_days=policy.pending_window_days)))
            continue
        _join(state, case, pending["notice"], stamp, step)
        state["cases"] = [*state["cases"], case]
        step.records.append((topics.NOTICE_RECEIPTS.name, case["notifier_id"], receipt(
            "listing_found", case["notice_id"], case["notifier_id"], state["listing_id"], stamp,
            priority=case["priority"], already_restricted=state["restriction"] is not None)))
    state["pending"] = []
    if (decision.get("route") == "takedown" and decision.get("brand") in policy.automated_removal_brands
            and state["restriction"] is None):
        provenance = Provenance.of(decision, _source(state), removed_automatically=True)
        statement = restriction_statement(decision, provenance, outcome_id=None, applied_at=stamp, issued_at=stamp,
                                          scope=policy.territorial_scope)
        _restrict(state, statement, provenance, stamp, now, step)
    return step


def apply_notice(current: Mapping[str, Any] | None, notice: Notice, received_at: str, now: datetime,
                 notifier_flagged: bool, policy: NoticePolicy) -> Step:
    """A valid notice: one case per notifier and listing, a receipt at once, routed if the listing is known."""
    state = dict(current) if current else empty(notice.listing_id)
    stamp = format_timestamp(now)
    cases = [*state["cases"], *(p["case"] for p in state["pending"])]
    if any(notice.notice_id == c["notice_id"] or notice.notice_id in c.get("also", ()) for c in cases):
        return Step()  # the same notice delivered again
    step = Step(state)
    step.timings.append(("receipt", _brand(state), notice.source, _seconds(received_at, now)))
    mine = next((c for c in cases if c["notifier_id"] == notice.notifier_id), None)
    if mine is not None:  # another notice of the same notifier on the same listing: the same case, counted once
        mine["also"] = [*mine.get("also", ()), notice.notice_id][-RECENT_IDS:]
        step.records.append((topics.NOTICE_RECEIPTS.name, notice.notifier_id, receipt(
            "duplicate", notice.notice_id, notice.notifier_id, notice.listing_id, stamp, case_id=mine["notice_id"])))
        return step
    case = {"notice_id": notice.notice_id, "notifier_id": notice.notifier_id, "source": notice.source,
            "flagged": notifier_flagged, "received_at": received_at, "status": "open", "priority": None}
    step.records.append((topics.NOTIFIER_EVENTS.name, notice.notifier_id, notifier_event(
        notice.notifier_id, "sent", notice.notice_id, notice.listing_id, stamp, notice.trusted_flagger)))
    if state["decision"] is None:
        state["pending"] = [*state["pending"], {"case": case, "notice": notice.record}]
        step.records.append((topics.NOTICE_RECEIPTS.name, notice.notifier_id, receipt(
            "listing_not_found", notice.notice_id, notice.notifier_id, notice.listing_id, stamp,
            window_days=policy.pending_window_days)))
        return step
    _join(state, case, notice.record, stamp, step)
    state["cases"] = [*state["cases"], case]
    step.records.append((topics.NOTICE_RECEIPTS.name, notice.notifier_id, receipt(
        "received", notice.notice_id, notice.notifier_id, notice.listing_id, stamp, priority=case["priority"],
        already_restricted=state["restriction"] is not None)))
    return step


def _source(state: Mapping[str, Any]) -> str:
    sources = {c["source"] for c in state["cases"]}
    return "trusted_flagger" if "trusted_flagger" in sources else "notice" if sources else "own_initiative"


def _restrict(state: dict[str, Any], statement: dict[str, Any], provenance: Provenance, stamp: str, now: datetime,
              step: Step) -> None:
    state["restriction"] = {"statement_id": statement["statement_id"], "at": stamp, "source": provenance.source,
                            "automated_detection": provenance.automated_detection,
                            "automated_decision": provenance.automated_decision}
    step.records.append((topics.STATEMENTS.name, state["listing_id"], statement))
    brand = _brand(state)
    open_cases = [c for c in state["cases"] if c["status"] in ("open", "upheld")]
    for case in open_cases:
        step.timings.append(("action", brand, case["source"], _seconds(case["received_at"], now)))
    if not open_cases:
        decision = state["decision"] or {}
        start = decision.get("observed_at") or decision.get("decided_at")
        if start:
            step.timings.append(("action", brand, "own_initiative", _seconds(str(start), now)))


def apply_outcome(current: Mapping[str, Any] | None, outcome: Mapping[str, Any], now: datetime,
                  policy: NoticePolicy) -> Step:
    """An enforcement outcome: the notices it decides told so, a statement for a restriction carried out or
    undone, an appeal opened by a counter-notice and closed by a reinstatement."""
    decision = (current or {}).get("decision")
    if decision is None:
        return Step(rejection=Rejection(Reason.UNKNOWN_DECISION,
                                        f"no decision is known for listing {outcome['listing_id']!r}"))
    if outcome.get("decision_id") and outcome["decision_id"] not in (current or {}).get("decision_ids", ()):
        return Step(rejection=Rejection(Reason.UNKNOWN_DECISION,
                                        f"decision {outcome['decision_id']} is not one of listing "
                                        f"{outcome['listing_id']!r}'s"))
    state = dict(current or {})
    oid = outcome.get("outcome_id") or f"{outcome['outcome']}@{outcome['decided_at']}"
    if oid in state["outcome_ids"]:
        return Step()
    state["outcome_ids"] = [*state["outcome_ids"], oid][-RECENT_IDS:]
    state["cases"] = [dict(c) for c in state["cases"]]
    step = Step(state)
    stamp, kind, brand = format_timestamp(now), outcome["outcome"], _brand(state)
    restriction = state["restriction"]
    if kind == "confirmed" and restriction is None:
        provenance = Provenance.of(decision, _source(state), removed_automatically=False)
        statement = restriction_statement(decision, provenance, outcome_id=outcome.get("outcome_id"),
                                          applied_at=str(outcome["decided_at"]), issued_at=stamp,
                                          scope=policy.territorial_scope)
        _restrict(state, statement, provenance, stamp, now, step)
        restriction = state["restriction"]
    elif kind == "counter_noticed" and (state["appeal"] or {}).get("status") != "open":
        state["appeal"] = appeals.open_case(state["listing_id"], str(outcome["seller_id"]), decision.get("brand"),
                                            (restriction or {}).get("statement_id"), stamp,
                                            policy.appeal_deadline_days)
        step.records.append((topics.APPEALS.name, state["listing_id"], state["appeal"]))
    elif kind == "reinstated":
        provenance = Provenance(**{k: (restriction or {}).get(k, v) for k, v in (
            ("source", _source(state)), ("automated_detection", False), ("automated_decision", "not_automated"))})
        statement = reversal_statement(decision, provenance, (restriction or {}).get("statement_id"),
                                       outcome_id=outcome.get("outcome_id"), issued_at=stamp)
        step.records.append((topics.STATEMENTS.name, state["listing_id"], statement))
        appeal = state["appeal"] or appeals.open_case(
            state["listing_id"], str(outcome["seller_id"]), decision.get("brand"),
            (restriction or {}).get("statement_id"), stamp, policy.appeal_deadline_days)
        state["appeal"] = appeals.close_case(appeal, "reinstated", stamp, statement["statement_id"])
        step.records.append((topics.APPEALS.name, state["listing_id"], state["appeal"]))
        state["restriction"] = None
    automated = restriction is not None and restriction.get("automated_decision") != "not_automated"
    if kind == "rejected":
        automated = decision.get("route") in ("takedown", "review")
    _tell_notifiers(state, kind, automated, stamp, now, brand, step)
    start = decision.get("observed_at") or decision.get("decided_at")
    if kind in ("confirmed", "rejected") and not state["cases"] and start:
        step.timings.append(("decision", brand, "own_initiative", _seconds(str(start), now)))
    return step


_CASE_STATUS = {"confirmed": ("open", "upheld", "upheld"), "rejected": ("open", "rejected", "rejected"),
                "counter_noticed": ("upheld", "counter_noticed", "counter_noticed"),
                "reinstated": ("upheld", "reinstated", "reinstated")}


def _tell_notifiers(state: dict[str, Any], kind: str, automated: bool, stamp: str, now: datetime, brand: str,
                    step: Step) -> None:
    """Each notice this outcome decides: its notifier told (Art. 16(5)), its accuracy counted, its time observed."""
    before, after, event = _CASE_STATUS[kind]
    for case in state["cases"]:
        if kind in ("counter_noticed", "reinstated"):
            if case["status"] not in ("upheld", "counter_noticed"):
                continue
        elif case["status"] != before:
            continue
        case["status"] = after
        step.records.append((topics.NOTICE_RECEIPTS.name, case["notifier_id"], receipt(
            "decided", case["notice_id"], case["notifier_id"], state["listing_id"], stamp, outcome=kind,
            automated=automated)))
        step.records.append((topics.NOTIFIER_EVENTS.name, case["notifier_id"], notifier_event(
            case["notifier_id"], event, case["notice_id"], state["listing_id"], stamp,
            case["source"] == "trusted_flagger")))
        if kind in ("confirmed", "rejected"):
            step.timings.append(("decision", brand, case["source"], _seconds(case["received_at"], now)))
