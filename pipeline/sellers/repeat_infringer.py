"""When a seller, or the network of accounts it belongs to, is a repeat infringer.

Marketplaces must act against accounts that keep selling counterfeits (EU DSA
Art. 23 asks for suspension of those that frequently provide manifestly
illegal content; brand owners' repeat-infringer policies count strikes). A
strike is a confirmed counterfeit takedown that was not reinstated; a seller
is a repeat infringer while it has at least ``strikes`` of them within the
last ``window_days``. A network is judged on the strikes of all its accounts
together: an operator who spreads its takedowns over fresh accounts, one or
two each, is still one repeat infringer.

Everything here works on timestamps, so the same answer comes from outcome
records (with listing ids, so a reinstatement cancels exactly its own
takedown) or from the compact confirmation times a
:class:`pipeline.sellers.reputation.SellerReputation` keeps.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from pipeline.sellers.outcomes import OutcomeRecord
from pipeline.sellers.reputation import Outcome
from pipeline.settings import Settings
from pipeline.timestamps import parse_timestamp


@dataclass(frozen=True, slots=True)
class RepeatInfringerPolicy:
    """How many confirmed takedowns within how many days make a seller, or its network, a repeat infringer."""

    strikes: int = 3
    window_days: int = 180

    @classmethod
    def from_settings(cls, settings: Settings) -> RepeatInfringerPolicy:
        return cls(settings.repeat_infringer_strikes, settings.repeat_infringer_window_days)

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.window_days)


class Verdict(NamedTuple):
    """The policy's judgement of one seller, with the evidence behind it."""

    repeat_infringer: bool  # at ``now``
    strikes: int  # strikes within the window ending at ``now``
    since: datetime | None  # when the policy was first met (the strike that completed a window), if ever
    strike_times: tuple[datetime, ...]  # the strikes within the window, oldest first


def strikes_from_outcomes(outcomes: Iterable[OutcomeRecord]) -> list[OutcomeRecord]:
    """Confirmed takedowns not undone by a later reinstatement of the same listing; a redelivered
    outcome (same outcome id) counts once."""
    return [record for _, record in timed_strikes(outcomes)]


def timed_strikes(outcomes: Iterable[OutcomeRecord]) -> list[tuple[datetime, OutcomeRecord]]:
    """:func:`strikes_from_outcomes` with each strike's time, read once: a network's judgement
    reads thousands of strikes for every outcome."""
    seen: set[str] = set()
    confirmed: dict[tuple[str, str], list[tuple[datetime, OutcomeRecord]]] = {}
    for timed in sorted(((read_time(r.decided_at), r) for r in outcomes), key=_moment):
        record = timed[1]
        if record.outcome_id is not None:
            if record.outcome_id in seen:
                continue
            seen.add(record.outcome_id)
        key = (record.seller_id, record.listing_id)
        if record.outcome is Outcome.CONFIRMED:
            confirmed.setdefault(key, []).append(timed)
        elif record.outcome is Outcome.REINSTATED and confirmed.get(key):
            confirmed[key].pop()
    return sorted((timed for records in confirmed.values() for timed in records), key=_moment)


def _moment(timed: tuple[datetime, OutcomeRecord]) -> datetime:
    return timed[0]


def assess(strike_times: Iterable[datetime | str], now: datetime, policy: RepeatInfringerPolicy) -> Verdict:
    """The policy applied to strike times (of one seller, or of every account of a network)."""
    times = sorted(t if isinstance(t, datetime) else read_time(t) for t in strike_times)
    del times[bisect_right(times, now):]
    since = None
    need, window = policy.strikes, policy.window
    for i in range(need - 1, len(times)):
        if times[i] - times[i - need + 1] <= window:
            since = times[i]
            break
    recent = tuple(times[bisect_left(times, now - window):])  # now - t <= window, to the microsecond
    return Verdict(len(recent) >= need, len(recent), since, recent)


# A network's judgement reads every linked account's strikes for each outcome, the same few
# thousand timestamps over and over: parsed once each (datetimes are immutable, so shared safely).
read_time = lru_cache(maxsize=1 << 16)(parse_timestamp)
