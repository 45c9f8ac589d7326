"""What one enforcement outcome changes for its seller: the reputation record, the strikes
behind it, and, when the seller or its network meets the repeat-infringer policy, a
recommendation for ``suspects.sellers``.

A recommendation names listings, so the reputation record (the value of the
``seller_reputation`` table and of ``sellers.reputation``) also carries the
seller's recent strikes with their listing ids under ``strikes``; readers that
do not need them ignore the field. A feedback worker owns a seller's record
but not those of the accounts linked to it (they live in other partitions), so
it reads their strikes from the ``sellers.reputation`` records it follows. The
id and scope of the last recommendation published are kept on the record too:
a recommendation goes out when the finding is new, not again with every
outcome that follows (nor when an outcome is delivered twice). A finding whose
id changed while the policy stayed met is not new either: a record keeps only
the seller's latest strikes (``RECENT_IDS``), so for a seller with more, the
moment the policy was first met moves forward with every strike, and each would
otherwise re-issue the same recommendation. When the strikes before the outcome
still met the policy at its time, for the scope published, the finding
continues and nothing is published.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from pipeline.sellers.finding import Published, judge
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.outcomes import OutcomeRecord, apply_outcome
from pipeline.sellers.recommendations import NETWORK_LIMIT, recommend
from pipeline.sellers.repeat_infringer import RepeatInfringerPolicy
from pipeline.sellers.reputation import RECENT_IDS, Outcome, SellerReputation
from pipeline.sellers.strike_index import StrikeTimes
from pipeline.timestamps import parse_timestamp

STRIKES = "strikes"
RECOMMENDED = "recommendation_id"
RECOMMENDED_SCOPE = "recommendation_scope"


class Applied(NamedTuple):
    """A seller's new reputation record (None for an outcome counted already) and any recommendation it triggered."""

    value: dict[str, Any] | None  # the seller's new record; None if the outcome was already counted
    recommendation: dict[str, Any] | None  # a new finding to publish


def with_outcome(strikes: Sequence[Mapping[str, Any]], record: OutcomeRecord) -> list[dict[str, Any]]:
    """The recent strikes after one outcome: a confirmation adds one, a reinstatement removes
    the last strike of the same listing (its own takedown was wrong)."""
    kept = list(strikes)  # the strikes themselves are never changed, only which are kept
    if record.outcome is Outcome.CONFIRMED:
        kept.append({"listing_id": record.listing_id, "outcome_id": record.outcome_id, "decided_at": record.decided_at})
    elif record.outcome is Outcome.REINSTATED:
        for index in range(len(kept) - 1, -1, -1):
            if kept[index]["listing_id"] == record.listing_id:
                del kept[index]
                break
    return kept[-RECENT_IDS:]


def _strikes_after(before: tuple[OutcomeRecord, ...], record: OutcomeRecord) -> tuple[OutcomeRecord, ...]:
    """:func:`with_outcome` on strikes already read as outcomes (what :func:`strike_outcomes` of its
    result gives), so a record's strikes are read once per outcome, not twice."""
    if record.outcome is Outcome.CONFIRMED:
        return (*before, record)[-RECENT_IDS:]
    if record.outcome is Outcome.REINSTATED:
        for index in range(len(before) - 1, -1, -1):
            if before[index].listing_id == record.listing_id:
                return (before[:index] + before[index + 1:])[-RECENT_IDS:]
    return before[-RECENT_IDS:]


def strike_outcomes(seller_id: str, strikes: Iterable[Mapping[str, Any]]) -> tuple[OutcomeRecord, ...]:
    """A record's strikes as the confirmed outcomes the policy counts."""
    return tuple(OutcomeRecord(str(s["listing_id"]), seller_id, Outcome.CONFIRMED, str(s["decided_at"]),
                               s.get("outcome_id")) for s in strikes)


def apply_seller_outcome(current: Mapping[str, Any] | None, record: OutcomeRecord,
                        linked_strikes: Mapping[str, Sequence[OutcomeRecord]], networks: SellerNetworks, now: datetime,
                        policy: RepeatInfringerPolicy, rules_version: str,
                        strike_times: StrikeTimes | None = None) -> Applied:
    """Apply ``record`` to its seller's ``current`` record and judge the seller and its network.

    ``linked_strikes`` holds the strikes of other sellers (from their reputation records),
    ``networks`` says who is linked. ``now``
    is the judging time; an outcome decided later than it (clock skew) counts as of its own time.
    With ``strike_times`` (kept by the caller from one outcome to the next), the finding is judged,
    and built when it is new, on strike times (:mod:`pipeline.sellers.finding`): the same answer,
    without reading a large network's strikes as records; the reference decides where that
    judgement is unsure."""
    before = SellerReputation.from_dict(current) if current else None
    updated = apply_outcome(before, record)
    if updated is before:  # a redelivered outcome
        return Applied(None, None)
    value = {**(current or {}), **updated.to_dict()}
    earlier = (current or {}).get(STRIKES, ())
    value[STRIKES] = with_outcome(earlier, record)
    before = strike_outcomes(record.seller_id, earlier)
    own = _strikes_after(before, record)
    published = Published(value.get(RECOMMENDED), value.get(RECOMMENDED_SCOPE), before)
    moment = max(now, parse_timestamp(record.decided_at))
    if strike_times is not None:
        found = judge(record.seller_id, own, networks, linked_strikes, strike_times, moment, policy, rules_version,
                      published)
        if found is None:
            return Applied(value, None)
        if isinstance(found, dict):
            return _published(value, found)
    network = networks.members_with_takedowns(record.seller_id, NETWORK_LIMIT)
    others = [r for member, _ in network if member != record.seller_id for r in linked_strikes.get(member, ())]
    found = recommend(record.seller_id, [*own, *others], networks, moment, policy, rules_version, network)
    if found is None or found["recommendation_id"] == published.recommendation_id:
        return Applied(value, None)
    if found["scope"] == published.scope:
        was = recommend(record.seller_id, [*published.before, *others], networks, moment, policy, rules_version,
                        network)
        if was is not None and was[found["scope"]]["repeat_infringer"]:  # the finding continues
            return Applied(value, None)
    return _published(value, found)


def _published(value: dict[str, Any], found: dict[str, Any]) -> Applied:
    value[RECOMMENDED], value[RECOMMENDED_SCOPE] = found["recommendation_id"], found["scope"]
    return Applied(value, found)
