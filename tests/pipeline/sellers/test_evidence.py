"""A finding's evidence from the strike index equals the evidence of every strike within the window."""

from __future__ import annotations

import random

import pytest

from pipeline.sellers.evidence import evidence, in_window
from pipeline.sellers.outcomes import OutcomeRecord
from pipeline.sellers.recommendations import MAX_EVIDENCE, evidence_of
from pipeline.sellers.reputation import Outcome
from pipeline.sellers.strike_index import AccountTimes, StrikeTimes, to_micros
from pipeline.timestamps import format_timestamp, from_epoch_seconds

NOW = 1.7e9
WINDOW_US = to_micros(from_epoch_seconds(90 * 86400)) - to_micros(from_epoch_seconds(0))


def strike(seller: str, listing: str, seconds_ago: float, serial: int | str) -> OutcomeRecord:
    return OutcomeRecord(listing, seller, Outcome.CONFIRMED, format_timestamp(from_epoch_seconds(NOW - seconds_ago),
                                                                              "seconds"), f"o{serial}")


@pytest.mark.parametrize("seed", range(10))
def test_evidence_from_the_index_is_the_evidence_of_every_strike(seed: int):
    rng = random.Random(seed)
    serial = iter(range(10**6))
    members = tuple(f"s{n:03d}" for n in range(rng.choice([3, 40, 120])))
    outside = seed % 3 == 0  # some strikes older than the window: the way through every strike

    def strikes(seller: str, count: int) -> tuple[OutcomeRecord, ...]:
        # few distinct moments, so strikes tie; listing ids shared across accounts now and then
        ago = [rng.randrange(20) * 60 + (100 * 86400 if outside and rng.random() < 0.1 else 0) for _ in range(count)]
        return tuple(strike(seller, f"L{rng.randrange(400)}-{seller if rng.random() < 0.9 else 'shared'}-{k}",
                            ago[k], next(serial)) for k in range(count))

    linked = {m: strikes(m, rng.randrange(8)) for m in members}
    times = StrikeTimes()
    checked = 0
    for _ in range(25):
        seller = rng.choice(members)
        followed = linked[seller]
        kept = followed[rng.randrange(len(followed) + 1):] if followed else ()
        mine = AccountTimes(seller, (*kept, *strikes(seller, rng.randrange(1, 4))))
        index = times.network(members, linked) if len(members) > 1 else None
        column = index.with_own(seller, mine) if index is not None else mine.sorted
        if column is None or not mine.sure:
            continue  # a listing struck twice: the reference's to judge
        order = [m for m in members if m != seller]
        rng.shuffle(order)  # any ranking: ties follow the parts' order
        parts = [mine, *(index.part_of(m) for m in order if index.part_of(m) is not None)]
        now_us = to_micros(from_epoch_seconds(NOW))
        got = evidence(seller, mine, parts, index, column, now_us, WINDOW_US)
        assert got == evidence_of(in_window(parts, now_us, WINDOW_US))
        checked += 1
        linked[seller] = mine.strikes  # its record comes back
    assert checked >= 10


def test_more_strikes_than_cited_are_cut_to_the_latest_and_the_first_listings():
    members = ("a", "b")
    linked = {m: tuple(strike(m, f"{m}-{k:03d}", k, f"{m}{k}") for k in range(80)) for m in members}
    mine = AccountTimes("a", linked["a"])
    index = StrikeTimes().network(members, linked)
    parts = [mine, index.part_of("b")]
    now_us = to_micros(from_epoch_seconds(NOW))
    got = evidence("a", mine, parts, index, index.with_own("a", mine), now_us, WINDOW_US)
    assert got.listings == sorted(f"{m}-{k:03d}" for m in members for k in range(80))[:MAX_EVIDENCE]
    assert [(r.seller_id, r.listing_id) for r in got.outcomes[-2:]] == [("a", "a-000"), ("b", "b-000")]  # a tie: a first
    assert len(got.outcomes) == MAX_EVIDENCE
