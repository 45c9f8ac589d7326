"""A repeat-infringer finding judged and built on strike times as integers.

:func:`pipeline.sellers.recommendations.recommend` is the reference: it builds
the whole recommendation from every strike of the seller's network, read as
records. The feedback worker judges after every outcome, and a counterfeit ring
of two thousand accounts holds thousands of strikes: reading them all for each
outcome held one feedback worker to a few dozen outcomes a second. Nearly
always the answer is "nothing new" (no finding, or the one published already),
and what decides that is only the finding's id: the seller, the scope and the
moment the policy was first met, which need only strike times. So
:func:`judge` works on the network's sorted column of strike times
(:mod:`pipeline.sellers.strike_index`) and, when the finding is new, builds the
record from the same times, with the strikes within the window sorted as the
reference sorts them (by time, ties in the reference's order: the seller's own
strikes, then its accounts by rank).

It answers only where it is sure to agree with the reference
(:class:`pipeline.sellers.strike_index.AccountTimes` says when); anything else
is :data:`UNSURE`, and the caller asks the reference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final, NamedTuple

import numpy as np

from pipeline.sellers.evidence import evidence
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.outcomes import OutcomeRecord
from pipeline.sellers.recommendations import (
    MAX_LINKED,
    NETWORK_LIMIT,
    Standing,
    recommendation_id,
    recommendation_record,
)
from pipeline.sellers.repeat_infringer import RepeatInfringerPolicy
from pipeline.sellers.strike_index import AccountTimes, NetworkStrikes, StrikeTimes, from_micros, to_micros

__all__ = ["UNSURE", "Published", "judge"]

UNSURE: Final = "unsure"


class Published(NamedTuple):
    """The seller's last published finding (None and None if none), and its strikes before the outcome judged."""

    recommendation_id: str | None
    scope: str | None
    before: Sequence[OutcomeRecord]


def judge(seller_id: str, own: Sequence[OutcomeRecord], networks: SellerNetworks,
          linked_strikes: Mapping[str, Sequence[OutcomeRecord]], times: StrikeTimes, now: datetime,
          policy: RepeatInfringerPolicy, rules_version: str, published: Published) -> dict[str, Any] | str | None:
    """The recommendation :func:`recommend` would give the seller at ``now`` when it is a new
    finding; None when there is no finding, or it is the one published, or that one continues
    (same scope, and the strikes before the outcome met the policy at ``now``); or :data:`UNSURE`.
    ``own`` are the seller's strikes (its record's newest), ``linked_strikes`` every account's
    strikes as followed."""
    members = networks.member_ids(seller_id)
    if len(members) > NETWORK_LIMIT:
        return UNSURE
    mine = AccountTimes(seller_id, own)
    index = times.network(members, linked_strikes) if len(members) > 1 else None
    now_us, window_us = to_micros(now), to_micros(policy.window)
    column = _column(seller_id, mine, index)
    if column is None:
        return UNSURE
    seller, network = _standings(mine, column, index is not None, now_us, window_us, policy.strikes)
    if not (seller.repeat_infringer or network.repeat_infringer):
        return None
    scope, deciding = ("seller", seller) if seller.repeat_infringer else ("network", network)
    if recommendation_id(seller_id, scope, deciding.since or now, rules_version) == published.recommendation_id:
        return None
    if scope == published.scope:
        before = AccountTimes(seller_id, published.before)
        was_column = _column(seller_id, before, index)
        if was_column is None:
            return UNSURE
        was_seller, was_network = _standings(before, was_column, index is not None, now_us, window_us,
                                             policy.strikes)
        if (was_network if scope == "network" else was_seller).repeat_infringer:  # the finding continues
            return None
    ids, ranked, takedowns = networks.ranked_positions(seller_id)
    if index is not None and index.members is not ids:
        return UNSURE  # the network changed since its column was read (not while one outcome is judged)
    leading = [(ids[at], count) for at, count in zip(ranked[:MAX_LINKED + 1].tolist(),
                                                    takedowns[:MAX_LINKED + 1].tolist())]
    parts = [mine, *(index.parts_in(ranked.tolist(), seller_id) if index is not None else ())]
    return recommendation_record(seller_id, seller, network, max(len(ids), 1), leading or [(seller_id, 0)],
                                 evidence(seller_id, mine, parts, index, column, now_us, window_us), now, policy,
                                 rules_version)


def _column(seller_id: str, mine: AccountTimes, index: NetworkStrikes | None) -> np.ndarray | None:
    """The sorted strike times of the seller's network (of the seller alone without one), with
    ``mine`` as the seller's strikes; None when a judgement on them might not agree with the reference."""
    if index is not None:
        return index.with_own(seller_id, mine)
    return mine.sorted if mine.sure else None


def _standings(mine: AccountTimes, column: np.ndarray, networked: bool, now_us: int, window_us: int,
               need: int) -> tuple[Standing, Standing]:
    """The seller's standing and its network's (the seller's own without a network), from
    :func:`_column`'s column with ``mine`` as the seller's strikes."""
    seller = _standing(mine.sorted, now_us, window_us, need)
    return seller, _standing(column, now_us, window_us, need) if networked else seller


def _standing(column: np.ndarray, now_us: int, window_us: int, need: int) -> Standing:
    """:func:`pipeline.sellers.repeat_infringer.assess` on a sorted column of strike times."""
    times = column[:np.searchsorted(column, now_us, side="right")]
    recent = times.size - int(np.searchsorted(times, now_us - window_us, side="left"))
    met = np.flatnonzero(times[need - 1:] - times[:max(times.size - need + 1, 0)] <= window_us)
    since = from_micros(int(times[need - 1 + met[0]])) if met.size else None
    return Standing(recent >= need, recent, since)
