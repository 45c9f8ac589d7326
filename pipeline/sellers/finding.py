"""Whether an outcome makes a new repeat-infringer finding, judged on strike times as integers.

:func:`pipeline.sellers.recommendations.recommend` is the reference: it builds
the whole recommendation from every strike of the seller's network. The
feedback worker asks it after every outcome, but nearly always the answer is
"nothing new": no finding, or the finding already published. A counterfeit ring
of two thousand accounts holds thousands of strikes, and reading them all as
records for each outcome held one feedback worker to a few dozen outcomes a
second. What decides "new" is only the finding's id (the seller, the scope and
the moment the policy was first met), and that needs only strike times. Each
account's times are kept as integer microseconds while its strikes are
unchanged, so the judgement is a concatenation, a sort and two searches.

It answers only where it is sure to agree with the reference: strike ids all
different (the reference counts a repeated outcome id once), every time in UTC
(the id names the moment as its text), and a network within the reference's
account limit. Anything else is :data:`UNSURE`, and the caller asks the reference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Final

import numpy as np

from pipeline.sellers.outcomes import OutcomeRecord
from pipeline.sellers.recommendations import NETWORK_LIMIT, recommendation_id
from pipeline.sellers.repeat_infringer import RepeatInfringerPolicy, read_time

__all__ = ["UNSURE", "StrikeTimes", "finding_id"]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)
UNSURE: Final = "unsure"
NO_TIMES = np.empty(0, dtype=np.int64)


class _Times:
    __slots__ = ("strikes", "micros", "ids", "with_id", "utc")

    def __init__(self, strikes: Sequence[OutcomeRecord]) -> None:
        moments = [read_time(r.decided_at) for r in strikes]
        self.strikes = strikes  # held, so the identity test below cannot meet a recycled id
        self.micros = np.fromiter(((m - EPOCH) // MICROSECOND for m in moments), np.int64, len(moments))
        self.ids = frozenset(r.outcome_id for r in strikes if r.outcome_id is not None)
        self.with_id = sum(r.outcome_id is not None for r in strikes)
        self.utc = all(m.utcoffset() == timedelta(0) for m in moments)


class StrikeTimes:
    """Each account's strike times, read once per version of its strikes (the tuple a
    :class:`pipeline.sellers.state.SellerState` holds, replaced whenever the account's record is)."""

    def __init__(self) -> None:
        self._known: dict[str, _Times] = {}

    def of(self, seller_id: str, strikes: Sequence[OutcomeRecord]) -> _Times:
        known = self._known.get(seller_id)
        if known is None or known.strikes is not strikes:
            known = self._known[seller_id] = _Times(strikes)
        return known

    def forget_missing(self, current: Mapping[str, object]) -> None:
        """Drop accounts no longer holding strikes, once they are as many as those that do."""
        if len(self._known) > 2 * len(current) + 1024:
            self._known = {seller: times for seller, times in self._known.items() if seller in current}


def finding_id(seller_id: str, own: Sequence[OutcomeRecord], members: Sequence[str],
               linked_strikes: Mapping[str, Sequence[OutcomeRecord]], times: StrikeTimes, now: datetime,
               policy: RepeatInfringerPolicy, rules_version: str) -> str | None:
    """The ``recommendation_id`` :func:`recommend` would give the seller at ``now`` (None for no
    finding), or :data:`UNSURE`. ``own`` are the seller's strikes, ``members`` its network
    (itself included, or empty when it has none)."""
    if len(members) > NETWORK_LIMIT:
        return UNSURE
    own_times = _Times(own)
    parts = [own_times, *(times.of(m, linked_strikes[m]) for m in members if m != seller_id and m in linked_strikes)]
    if not all(part.utc for part in parts):
        return UNSURE
    if len(frozenset().union(*(part.ids for part in parts))) != sum(part.with_id for part in parts):
        return UNSURE
    now_us, window_us = (now - EPOCH) // MICROSECOND, policy.window // MICROSECOND
    seller_met = _verdict(own_times.micros, now_us, window_us, policy.strikes)
    if seller_met is not None:
        return recommendation_id(seller_id, "seller", _moment(seller_met), rules_version)
    network_met = _verdict(np.concatenate([part.micros for part in parts]) if len(parts) > 1 else NO_TIMES,
                           now_us, window_us, policy.strikes)
    if network_met is None:
        return None
    return recommendation_id(seller_id, "network", _moment(network_met), rules_version)


def _verdict(micros: np.ndarray, now_us: int, window_us: int, need: int) -> int | None:
    """When the policy was first met (as :func:`pipeline.sellers.repeat_infringer.assess` finds it),
    if the strikes make a repeat infringer at ``now_us``; else None."""
    times = np.sort(micros)
    times = times[:np.searchsorted(times, now_us, side="right")]
    recent = times.size - int(np.searchsorted(times, now_us - window_us, side="left"))
    if recent < need:
        return None
    met = np.flatnonzero(times[need - 1:] - times[:times.size - need + 1] <= window_us)
    return int(times[need - 1 + met[0]])  # some window holds ``need`` strikes: the recent ones do


def _moment(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)
