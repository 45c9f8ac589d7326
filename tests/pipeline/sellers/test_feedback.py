"""Folding outcomes into a seller's record, and when that publishes a repeat-infringer recommendation."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import jsonschema
import orjson
import pytest

import schemas
from pipeline.sellers.feedback import _strikes_after, apply_seller_outcome, strike_outcomes, with_outcome
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.outcomes import OutcomeRecord
from pipeline.sellers.repeat_infringer import RepeatInfringerPolicy
from pipeline.sellers.reputation import RECENT_IDS, Outcome
from pipeline.sellers.state import SellerState
from pipeline.sellers.strike_index import StrikeTimes
from pipeline.timestamps import format_timestamp

POLICY = RepeatInfringerPolicy(strikes=3, window_days=180)
NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)


def outcome(seller: str, listing: str, kind: Outcome = Outcome.CONFIRMED, day: int = 1) -> OutcomeRecord:
    return OutcomeRecord(listing, seller, kind, f"2026-11-{day:02d}T00:00:00Z", f"{kind.value}-{listing}")


def fold_all(records: list[OutcomeRecord], networks: SellerNetworks, linked: dict | None = None,
             times: StrikeTimes | None = None, value: dict | None = None, now: datetime = NOW):
    published = []
    for record in records:
        folded = apply_seller_outcome(value, record, linked or {}, networks, now, POLICY, "rules-1", times)
        if folded.value is not None:
            value = folded.value
        if folded.recommendation is not None:
            published.append(folded.recommendation)
    return value, published


def test_the_third_strike_publishes_once_and_a_redelivery_changes_nothing():
    records = [outcome("s", f"L{i}", day=i) for i in range(1, 5)]
    value, published = fold_all([records[0], records[1], records[0], records[2], records[3]], SellerNetworks())
    assert len(published) == 1  # the fourth strike is the same finding
    (record,) = published
    jsonschema.Draft202012Validator(schemas.load("seller_recommendation.v1.json")).validate(record)
    assert record["scope"] == "seller" and record["evidence"]["listings"] == ["L1", "L2", "L3"]
    assert value["confirmed"] == 4 and [s["listing_id"] for s in value["strikes"]] == ["L1", "L2", "L3", "L4"]
    assert value["recommendation_id"] == record["recommendation_id"]


def test_a_reinstatement_removes_its_own_strike():
    value, published = fold_all([outcome("s", "L1"), outcome("s", "L2", day=2),
                                 outcome("s", "L1", Outcome.REINSTATED, day=3), outcome("s", "L3", day=4)],
                                SellerNetworks())
    assert [s["listing_id"] for s in value["strikes"]] == ["L2", "L3"] and not published


def test_a_new_account_of_a_network_with_strikes_is_recommended_with_the_linked_evidence():
    state = SellerState()
    state.track_strikes()
    old_value, _ = fold_all([outcome("old", "L1"), outcome("old", "L2", day=2)], SellerNetworks())
    state.apply_reputation(b"old", orjson.dumps(old_value))  # as the follower of sellers.reputation would
    state.networks.link("old", ["phone"])
    state.networks.link("new", ["phone"])
    _, published = fold_all([outcome("new", "N1", day=5)], state.networks, state.strikes)
    (record,) = published
    assert record["scope"] == "network" and record["seller"]["strikes"] == 1 and record["network"]["strikes"] == 3
    assert record["network"]["linked_sellers"] == [{"seller_id": "old", "confirmed_takedowns": 2}]
    assert record["evidence"]["listings"] == ["L1", "L2", "N1"]


def at(seller: str, n: int, moment: datetime) -> OutcomeRecord:
    return OutcomeRecord(f"{seller}-L{n}", seller, Outcome.CONFIRMED, format_timestamp(moment), f"{seller}-o{n}")


@pytest.mark.parametrize("times", [None, StrikeTimes()], ids=["reference", "strike times"])
def test_a_finding_continues_while_the_policy_stays_met_though_old_strikes_are_let_go(times):
    # A record keeps the latest RECENT_IDS strikes: past them, the moment the policy was first met
    # moves with every strike, and each would re-issue the recommendation.
    records = [at("s", n, NOW - timedelta(days=30) + timedelta(hours=n)) for n in range(RECENT_IDS + 20)]
    value, published = fold_all(records, SellerNetworks(), times=times)
    assert len(value["strikes"]) == RECENT_IDS and len(published) == 1
    assert value["recommendation_scope"] == "seller"


@pytest.mark.parametrize("times", [None, StrikeTimes()], ids=["reference", "strike times"])
def test_a_finding_after_the_policy_lapsed_is_published(times):
    old = [at("s", n, NOW - timedelta(days=300 - n)) for n in range(RECENT_IDS)]  # met then, aged out since
    value, published = fold_all(old, SellerNetworks(), times=times, now=NOW - timedelta(days=230))
    assert len(published) == 1
    fresh = [at("s", RECENT_IDS + n, NOW - timedelta(days=3 - n)) for n in range(3)]
    value, again = fold_all(fresh, SellerNetworks(), times=times, value=value)
    assert len(again) == 1 and again[0]["seller"]["strikes"] == 3  # met again, once
    assert again[0]["recommendation_id"] != published[0]["recommendation_id"]


def test_strikes_after_an_outcome_are_those_its_record_keeps():
    """The strikes judged are derived from the record's strikes before the outcome; they must be
    what reading the new record's strikes gives, for every kind of outcome, past the 64 kept."""
    rng = random.Random(7)
    kept: list[dict] = []
    for n in range(300):
        kind = rng.choice([Outcome.CONFIRMED] * 4 + [Outcome.REINSTATED, Outcome.REJECTED])
        listing = f"L{rng.randrange(n + 1) if kind is Outcome.REINSTATED else n}"
        record = OutcomeRecord(listing, "s", kind, f"2026-11-{1 + n % 28:02d}T00:00:00Z", f"o{n}")
        before = strike_outcomes("s", kept)
        kept = with_outcome(kept, record)
        assert _strikes_after(before, record) == strike_outcomes("s", kept)
    assert len(kept) == RECENT_IDS
