"""Judging a finding on strike times gives the reference's answer, outcome after outcome."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import orjson
import pytest

from pipeline.sellers.feedback import apply_seller_outcome, strike_outcomes
from pipeline.sellers.finding import UNSURE, Published, judge
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.outcomes import OutcomeRecord
from pipeline.sellers.recommendations import recommend
from pipeline.sellers.repeat_infringer import RepeatInfringerPolicy
from pipeline.sellers.reputation import Outcome
from pipeline.sellers.strike_index import StrikeTimes
from pipeline.timestamps import format_timestamp

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
POLICY = RepeatInfringerPolicy(strikes=3, window_days=180)
NOTHING = Published(None, None, ())  # no finding published yet


def replay(seed: int, size: int, outcomes: int, strike_times: StrikeTimes | None, ties: bool = False) -> list[bytes]:
    """Every output of a run of outcomes over one network that grows while they arrive. With
    ``ties``, outcomes fall on whole days (many strikes share a moment) and some confirm a
    listing struck already."""
    rng = random.Random(seed)
    networks = SellerNetworks()
    sellers = [f"s{n}" for n in range(size)]
    networks.link_batch(sellers, [[f"p{n}", f"p{n + 1}"] if n % 7 else [f"own-{n}"] for n in range(size)])
    records: dict[str, dict] = {}
    followed: dict[str, tuple[OutcomeRecord, ...]] = {}
    outputs = []
    for n in range(outcomes):
        seller = rng.choice(sellers)
        kind = rng.choice([Outcome.CONFIRMED] * 4 + [Outcome.REINSTATED, Outcome.REJECTED])
        again = kind is Outcome.REINSTATED or (ties and rng.random() < 0.05)
        listing = f"{seller}-L{rng.randrange(n + 1)}" if again else f"{seller}-L{n}"
        when = NOW - timedelta(days=rng.uniform(-2, 400) if rng.random() < 0.4 else rng.uniform(0, 3),
                               microseconds=rng.randrange(10))
        if ties:
            when = NOW - timedelta(days=rng.randrange(-1, 200))
        if rng.random() < 0.05:  # an offset other than UTC: the id names the moment as written
            when = when.astimezone(timezone(timedelta(hours=2)))
        draw = rng.random()
        outcome_id = None if draw < 0.05 else ("reused" if draw < 0.08 else f"o{n}")
        record = OutcomeRecord(listing, seller, kind, format_timestamp(when), outcome_id)
        applied = apply_seller_outcome(records.get(seller), record, followed, networks, NOW, POLICY, "r1", strike_times)
        outputs.append(orjson.dumps([applied.value, applied.recommendation], option=orjson.OPT_SORT_KEYS))
        if applied.value is not None:
            records[seller] = applied.value
            followed[seller] = strike_outcomes(seller, applied.value["strikes"])
            networks.record_confirmed(seller, int(applied.value["confirmed"]))
        if rng.random() < 0.03:  # two networks join between outcomes
            networks.link(rng.choice(sellers), [f"p{rng.randrange(size)}"])
    return outputs


@pytest.mark.parametrize("seed", range(8))
def test_every_output_equals_the_reference_judgements(seed: int):
    reference = replay(seed, 40, 250, None)
    assert replay(seed, 40, 250, StrikeTimes()) == reference
    assert sum(b'"recommendation_id"' in out and not out.endswith(b",null]") for out in reference) > 5  # findings made


@pytest.mark.parametrize("seed", range(3))
def test_outputs_equal_the_reference_when_accounts_hold_more_strikes_than_a_record_keeps(seed: int):
    reference = replay(seed, 4, 450, None)  # over a hundred outcomes per account: their oldest strikes are let go
    assert replay(seed, 4, 450, StrikeTimes()) == reference
    assert sum(not out.endswith(b",null]") for out in reference) > 5


@pytest.mark.parametrize("seed", range(4))
def test_outputs_equal_the_reference_when_strikes_share_moments(seed: int):
    reference = replay(seed, 60, 300, None, ties=True)
    assert replay(seed, 60, 300, StrikeTimes(), ties=True) == reference
    assert sum(not out.endswith(b",null]") for out in reference) > 5


def ring(size: int, day: str = "2026-11-20T00:00:00Z") -> tuple[SellerNetworks, dict[str, tuple[OutcomeRecord, ...]]]:
    networks = SellerNetworks()
    sellers = [f"r{n}" for n in range(size)]
    networks.link_batch(sellers, [[f"q{n}", f"q{n + 1}"] for n in range(size)])
    strikes = {s: (OutcomeRecord(f"{s}-L", s, Outcome.CONFIRMED, day, f"{s}-o"),) for s in sellers}
    return networks, strikes


def test_a_network_finding_is_the_reference_record():
    networks, strikes = ring(4)  # every strike at the same second: the evidence's order is the reference's tie order
    own = strikes["r0"]
    found = recommend("r0", [r for rs in strikes.values() for r in rs], networks, NOW, POLICY, "r1")
    assert found is not None and found["scope"] == "network"
    assert judge("r0", own, networks, strikes, StrikeTimes(), NOW, POLICY, "r1", NOTHING) == found
    assert judge("r0", own, networks, strikes, StrikeTimes(), NOW, POLICY, "r1",
                 Published(found["recommendation_id"], "network", own)) is None
    assert judge("r0", own, SellerNetworks(), strikes, StrikeTimes(), NOW, POLICY, "r1", NOTHING) is None  # alone


def test_it_leaves_to_the_reference_what_it_cannot_be_sure_of():
    networks, strikes = ring(4)
    reused = {**strikes, "r1": (strikes["r1"][0]._replace(outcome_id="r2-o"),)}  # one outcome id under two sellers
    assert judge("r0", strikes["r0"], networks, reused, StrikeTimes(), NOW, POLICY, "r1", NOTHING) is UNSURE
    _, offset = ring(4, "2026-11-20T02:00:00+02:00")
    assert judge("r0", strikes["r0"], networks, offset, StrikeTimes(), NOW, POLICY, "r1", NOTHING) is UNSURE
    twice = {**strikes, "r1": (*strikes["r1"], strikes["r1"][0]._replace(outcome_id="r1-again"))}  # one listing
    assert judge("r0", strikes["r0"], networks, twice, StrikeTimes(), NOW, POLICY, "r1", NOTHING) is UNSURE
    foreign = {**strikes, "r1": (strikes["r1"][0]._replace(seller_id="r3"),)}
    assert judge("r0", strikes["r0"], networks, foreign, StrikeTimes(), NOW, POLICY, "r1", NOTHING) is UNSURE
    assert judge("r0", strikes["r0"], networks, strikes, StrikeTimes(), NOW, POLICY, "r1", NOTHING) is not UNSURE


def test_times_are_read_again_only_when_an_accounts_strikes_change():
    times = StrikeTimes()
    first = (OutcomeRecord("L1", "s", Outcome.CONFIRMED, "2026-11-01T00:00:00Z", "o1"),)
    kept = times.of("s", first)
    assert times.of("s", first) is kept
    assert times.of("s", (*first, first[0]._replace(outcome_id="o2"))) is not kept
    times.forget_missing({})  # few enough to keep
    assert times.of("s", (*first,)) is not kept  # an equal tuple that is not the one held is read again


def test_a_networks_member_ids_are_kept_until_it_grows():
    networks = SellerNetworks()
    networks.link("a", ["p"])
    networks.link("b", ["p"])
    first = networks.member_ids("a")
    assert sorted(first) == ["a", "b"] and networks.member_ids("b") is first
    networks.link("c", ["p"])
    assert sorted(networks.member_ids("a")) == ["a", "b", "c"]
    networks.link("d", ["q"])
    networks.link("c", ["q"])  # two networks join: the smaller one's root becomes a member
    assert sorted(networks.member_ids("d")) == sorted(networks.member_ids("a")) == ["a", "b", "c", "d"]
    assert networks.member_ids("nobody") == ()
