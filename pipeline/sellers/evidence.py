"""The evidence of a new finding, taken from a network's strike index without reading every strike.

A record cites the first ``MAX_EVIDENCE`` distinct listing ids (sorted) of the
strikes within the window and the last ``MAX_EVIDENCE`` of those strikes in the
reference's order (by time, ties: the seller's own strikes, then its accounts by
rank, each in its order). Taken from all the strikes, as the reference does, a
ring of two thousand accounts with tens of thousands of strikes made building
each of its accounts' findings cost about ten milliseconds, most of a feedback
worker's time while a ring met the policy account by account. The network's
index keeps its listing ids sorted, so when every strike of the network lies
within the window the listings are the index's first ones (the seller's own
newest strikes put in place of those it follows); and the last strikes are
found from the ``MAX_EVIDENCE``-th latest time of the column, among the few
accounts holding later ones. Anything else goes through every strike.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from pipeline.sellers.outcomes import OutcomeRecord
from pipeline.sellers.recommendations import MAX_EVIDENCE, Evidence, evidence_of
from pipeline.sellers.strike_index import AccountTimes, NetworkStrikes

__all__ = ["evidence", "in_window"]


def evidence(seller_id: str, mine: AccountTimes, parts: Sequence[AccountTimes], index: NetworkStrikes | None,
             column: np.ndarray, now_us: int, window_us: int) -> Evidence:
    """The evidence of the strikes of ``parts`` (``mine`` first, then the linked accounts' by rank)
    within the window ending at ``now_us``. ``column`` holds all their times, sorted; ``index`` is
    the network's (None for a seller alone), every part sure to agree with the reference."""
    low = now_us - window_us
    listings = _listings(seller_id, mine, index, column, low, now_us) if index is not None else None
    if listings is None:
        return evidence_of(in_window(parts, now_us, window_us))
    return Evidence(listings, _latest(parts, column, low, now_us))


def in_window(parts: Sequence[AccountTimes], now_us: int, window_us: int) -> list[OutcomeRecord]:
    """The strikes within the window ending at ``now_us``, by time; ties in the order of ``parts``
    (the reference's: the seller's own strikes, then its accounts by rank, each in its order)."""
    micros = np.concatenate([part.micros for part in parts])
    by_time = np.argsort(micros, kind="stable")
    ordered = micros[by_time]
    first = np.searchsorted(ordered, now_us - window_us, side="left")  # now - t <= window ...
    end = np.searchsorted(ordered, now_us, side="right")  # ... and t <= now
    records = [record for part in parts for record in part.strikes]
    return [records[at] for at in by_time[first:end].tolist()]


def _listings(seller_id: str, mine: AccountTimes, index: NetworkStrikes, column: np.ndarray, low: int,
              now_us: int) -> list[str] | None:
    """The first distinct listing ids of the network with ``mine`` for the seller's part, when every
    strike is within the window (else None: which to leave out would need every strike's time)."""
    if not column.size or column[0] < low or column[-1] > now_us:
        return None
    old = index.part_of(seller_id)
    old_ids = {r.listing_id for r in old.strikes} if old is not None else set()
    mine_ids = {r.listing_id for r in mine.strikes}  # a sure part strikes each listing once
    skipped = old_ids - mine_ids  # one occurrence of each (the followed part's), whatever its time
    chosen: list[str] = []
    for listing in heapq.merge(index.listings, sorted(mine_ids - old_ids)):
        if listing in skipped:
            skipped.discard(listing)
        elif not chosen or chosen[-1] != listing:
            chosen.append(listing)
            if len(chosen) == MAX_EVIDENCE:
                break
    return chosen


def _latest(parts: Sequence[AccountTimes], column: np.ndarray, low: int, now_us: int) -> list[OutcomeRecord]:
    """The last ``MAX_EVIDENCE`` strikes within the window, oldest first, in the reference's order."""
    window = column[np.searchsorted(column, low, side="left"):np.searchsorted(column, now_us, side="right")]
    if not window.size:
        return []
    threshold = int(window[max(window.size - MAX_EVIDENCE, 0)])  # every strike cited is at least this late
    candidates: list[tuple[int, int, int]] = []
    for order, part in enumerate(parts):
        latest = part.sorted
        if latest.size and latest[-1] >= threshold:
            candidates.extend((t, order, k) for k, t in enumerate(part.micros.tolist()) if threshold <= t <= now_us)
    candidates.sort()
    return [parts[order].strikes[k] for _, order, k in candidates[-MAX_EVIDENCE:]]
