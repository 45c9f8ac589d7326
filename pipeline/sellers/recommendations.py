"""Seller-level recommendations for ``suspects.sellers``: repeat infringers, with the evidence.

Listing decisions ask for one listing to come down; this record asks the
marketplace to act on the account (and says whether the account met the
policy itself or through the network it belongs to). It carries what a trust
and safety reviewer needs to check that without searching: the policy, the
strikes of the seller and of its network within the window, the listings and
outcomes behind them, and the linked accounts.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any, NamedTuple

from pipeline.records import stable_id
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.outcomes import OutcomeRecord
from pipeline.sellers.repeat_infringer import RepeatInfringerPolicy, Verdict, assess, timed_strikes
from pipeline.timestamps import format_timestamp

SCHEMA_VERSION = 1
MAX_LINKED = 50
NETWORK_LIMIT = 10_000  # accounts whose strikes are read for one recommendation
MAX_EVIDENCE = 100
LISTING_ID = attrgetter("listing_id")


class Standing(NamedTuple):
    """What a recommendation says of one judgement (a :class:`Verdict` begins with these fields)."""

    repeat_infringer: bool
    strikes: int
    since: datetime | None


Judged = Standing | Verdict


def recommendation_id(seller_id: str, scope: str, since: datetime, rules_version: str) -> str:
    return stable_id(seller_id, scope, format_timestamp(since), rules_version)


def recommend(seller_id: str, outcomes: Iterable[OutcomeRecord], networks: SellerNetworks, now: datetime,
              policy: RepeatInfringerPolicy, rules_version: str,
              members: Sequence[tuple[str, int]] | None = None) -> dict[str, Any] | None:
    """A ``suspects.sellers`` record for a seller, or None when neither the seller nor its network
    is a repeat infringer at ``now``. ``outcomes`` are the enforcement outcomes of the seller and
    of the accounts linked to it (others are ignored). ``members`` is the network's
    ``members_with_takedowns(seller_id, NETWORK_LIMIT)`` when the caller has it already."""
    if members is None:
        members = networks.members_with_takedowns(seller_id, limit=NETWORK_LIMIT)
    linked = members or [(seller_id, 0)]
    accounts = {member for member, _ in linked}
    strikes = [(t, r) for t, r in timed_strikes(outcomes) if r.seller_id in accounts]
    own = assess((t for t, r in strikes if r.seller_id == seller_id), now, policy)
    network = assess((t for t, _ in strikes), now, policy)
    if not (own.repeat_infringer or network.repeat_infringer):
        return None
    times = [t for t, _ in strikes]  # in order: now - t <= window and t <= now is one slice
    in_window = [r for _, r in strikes[bisect_left(times, now - policy.window):bisect_right(times, now)]]
    return recommendation_record(seller_id, own, network, len(linked), linked[:MAX_LINKED + 1], evidence_of(in_window),
                                 now, policy, rules_version)


class Evidence(NamedTuple):
    """What a record cites of the strikes within the window: the first ``MAX_EVIDENCE`` of their
    distinct listing ids in sorted order, and the last ``MAX_EVIDENCE`` strikes, oldest first."""

    listings: list[str]
    outcomes: Sequence[OutcomeRecord]


def evidence_of(in_window: Sequence[OutcomeRecord]) -> Evidence:
    """The evidence of the strikes within the window, all of them given oldest first."""
    return Evidence(heapq.nsmallest(MAX_EVIDENCE, set(map(LISTING_ID, in_window))), in_window[-MAX_EVIDENCE:])


def recommendation_record(seller_id: str, own: Judged, network: Judged, accounts: int,
                          leading: Sequence[tuple[str, int]], evidence: Evidence, now: datetime,
                          policy: RepeatInfringerPolicy, rules_version: str) -> dict[str, Any]:
    """The record, from the two judgements, the network's size in accounts (1 for a seller
    without one), its first ``MAX_LINKED + 1`` accounts ranked with their takedowns (the seller
    alone when it has none), and the evidence of the strikes within the window."""
    scope = "seller" if own.repeat_infringer else "network"
    deciding = own if own.repeat_infringer else network
    others = [(member, count) for member, count in leading if member != seller_id][:MAX_LINKED]
    return {
        "schema_version": SCHEMA_VERSION,
        "recommendation_id": recommendation_id(seller_id, scope, deciding.since or now, rules_version),
        "seller_id": seller_id,
        "recommendation": "suspend",
        "scope": scope,
        "policy": {"strikes": policy.strikes, "window_days": policy.window_days},
        "seller": _verdict(own),
        "network": {**_verdict(network), "accounts": accounts,
                    "linked_sellers": [{"seller_id": m, "confirmed_takedowns": c} for m, c in others]},
        "evidence": {
            "listings": evidence.listings,
            "outcomes": [{"outcome_id": r.outcome_id, "listing_id": r.listing_id, "seller_id": r.seller_id,
                          "outcome": r.outcome.value, "decided_at": r.decided_at} for r in evidence.outcomes],
        },
        "reasons": _reasons(seller_id, own, network, accounts, others, policy),
        "rules_version": rules_version,
        "issued_at": format_timestamp(now),
    }


def _verdict(verdict: Judged) -> dict[str, Any]:
    return {"repeat_infringer": verdict.repeat_infringer, "strikes": verdict.strikes,
            "since": None if verdict.since is None else format_timestamp(verdict.since)}


def _reasons(seller_id: str, own: Judged, network: Judged, accounts: int, others: Sequence[tuple[str, int]],
             policy: RepeatInfringerPolicy) -> list[str]:
    window = f"within {policy.window_days} days"
    reasons = [f"seller {seller_id} has {own.strikes} confirmed counterfeit takedowns {window} "
               f"(policy: {policy.strikes})"]
    if accounts > 1:
        worst = next(((m, c) for m, c in others if c), None)
        reasons.append(f"its network of {accounts} accounts, linked by shared contact points or counterfeit images, "
                       f"has {network.strikes} {window}"
                       + (f"; seller {worst[0]} alone has {worst[1]} confirmed takedowns" if worst else ""))
    return reasons
