from datetime import datetime, timedelta, timezone

import jsonschema
import orjson
import pytest

import schemas
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.outcomes import OutcomeRecord
from pipeline.sellers.recommendations import recommend
from pipeline.sellers.repeat_infringer import RepeatInfringerPolicy, assess, strikes_from_outcomes
from pipeline.sellers.reputation import Outcome, SellerReputation
from pipeline.settings import Settings
from pipeline.testing import assess_reputations

POLICY = RepeatInfringerPolicy(strikes=3, window_days=180)
NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)


def confirmed(seller: str, listing: str, at: str, outcome: Outcome = Outcome.CONFIRMED) -> OutcomeRecord:
    return OutcomeRecord(listing, seller, outcome, at, f"{outcome.value}-{listing}-{at}")


def test_policy_comes_from_settings_and_bad_values_are_refused():
    assert RepeatInfringerPolicy.from_settings(Settings.load(env={})) == POLICY
    settings = Settings.load(env={"COUNTERSCAN_REPEAT_INFRINGER_STRIKES": "5"}, repeat_infringer_window_days=30)
    assert RepeatInfringerPolicy.from_settings(settings) == RepeatInfringerPolicy(5, 30)
    with pytest.raises(ValueError):
        Settings.load(env={}, repeat_infringer_strikes=0)


def test_three_strikes_within_the_window_make_a_repeat_infringer_and_say_since_when():
    times = ["2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z", "2026-08-20T00:00:00Z"]
    verdict = assess(times, NOW, POLICY)
    assert verdict.repeat_infringer and verdict.strikes == 3
    assert verdict.since == datetime(2026, 8, 20, tzinfo=timezone.utc)
    spread = assess(["2025-01-01T00:00:00Z", "2025-09-01T00:00:00Z", "2026-11-01T00:00:00Z"], NOW, POLICY)
    assert not spread.repeat_infringer and spread.since is None and spread.strikes == 1
    lapsed = assess(["2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z", "2025-01-03T00:00:00Z"], NOW, POLICY)
    assert not lapsed.repeat_infringer and lapsed.since == datetime(2025, 1, 3, tzinfo=timezone.utc)
    assert not assess(times, datetime(2026, 8, 19, tzinfo=timezone.utc), POLICY).repeat_infringer  # not yet


def test_a_reinstatement_cancels_its_own_takedown_and_redeliveries_count_once():
    records = [confirmed("s", "L1", "2026-10-01T00:00:00Z"), confirmed("s", "L2", "2026-10-02T00:00:00Z"),
               confirmed("s", "L3", "2026-10-03T00:00:00Z"),
               confirmed("s", "L2", "2026-10-05T00:00:00Z", Outcome.REINSTATED)]
    records.append(records[0])
    assert [r.listing_id for r in strikes_from_outcomes(records)] == ["L1", "L3"]


def test_reputation_keeps_confirmation_times_and_reads_old_records():
    seller = SellerReputation("s")
    for index, at in enumerate(["2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z", "2026-10-03T00:00:00Z"]):
        seller = seller.apply(Outcome.CONFIRMED, at, f"o{index}")
    assert assess_reputations([seller], NOW, POLICY).repeat_infringer
    seller = seller.apply(Outcome.REINSTATED, "2026-10-04T00:00:00Z", "o9")
    assert seller.confirmed_at == ("2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z")
    assert not assess_reputations([seller], NOW, POLICY).repeat_infringer
    assert SellerReputation.from_dict(orjson.loads(orjson.dumps(seller.to_dict()))) == seller
    old = SellerReputation.from_dict({"seller_id": "s", "confirmed": 4})  # written before times were kept
    assert old.confirmed_at == () and old.confirmed_takedowns == 4


def network() -> SellerNetworks:
    networks = SellerNetworks()
    for seller in ("acct-1", "acct-2", "acct-3"):
        networks.link(seller, ["pay-1"])
    networks.record_confirmed("acct-1", 1)
    networks.record_confirmed("acct-2", 1)
    return networks


def test_a_network_spreading_its_strikes_over_accounts_is_one_repeat_infringer():
    outcomes = [confirmed("acct-1", "L1", "2026-10-01T00:00:00Z"), confirmed("acct-2", "L2", "2026-10-10T00:00:00Z"),
                confirmed("acct-3", "L3", "2026-11-20T00:00:00Z"), confirmed("stranger", "L9", "2026-11-21T00:00:00Z")]
    record = recommend("acct-3", outcomes, network(), NOW, POLICY, "rules-1")
    jsonschema.Draft202012Validator(schemas.load("seller_recommendation.v1.json")).validate(record)
    assert record["scope"] == "network" and record["recommendation"] == "suspend"
    assert record["seller"] == {"repeat_infringer": False, "strikes": 1, "since": None}
    assert record["network"]["repeat_infringer"] and record["network"]["strikes"] == 3
    assert record["network"]["since"] == "2026-11-20T00:00:00.000Z" and record["network"]["accounts"] == 3
    assert [s["seller_id"] for s in record["network"]["linked_sellers"]] == ["acct-1", "acct-2"]
    assert record["evidence"]["listings"] == ["L1", "L2", "L3"]  # the stranger's takedown is not evidence
    assert "network of 3 accounts" in record["reasons"][1]
    again = recommend("acct-3", outcomes, network(), datetime(2026, 11, 28, tzinfo=timezone.utc), POLICY, "rules-1")
    assert again["recommendation_id"] == record["recommendation_id"]  # same finding, same id


def test_no_recommendation_below_the_policy_and_seller_scope_when_the_account_alone_meets_it():
    few = [confirmed("acct-1", "L1", "2026-10-01T00:00:00Z"), confirmed("acct-2", "L2", "2026-10-10T00:00:00Z")]
    assert recommend("acct-3", few, network(), NOW, POLICY, "rules-1") is None
    own = [confirmed("loner", f"L{i}", f"2026-11-0{i}T00:00:00Z") for i in range(1, 4)]
    record = recommend("loner", own, SellerNetworks(), NOW, POLICY, "rules-1")
    assert record["scope"] == "seller" and record["network"]["accounts"] == 1
    assert len(record["reasons"]) == 1


def test_the_window_holds_its_edges_to_the_microsecond_and_ignores_strikes_after_now():
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    policy = RepeatInfringerPolicy(strikes=2, window_days=10)
    edge = now - policy.window
    times = [edge - timedelta(microseconds=1), edge, now, now + timedelta(microseconds=1)]
    verdict = assess(reversed(times), now, policy)
    assert verdict.strike_times == (edge, now) and verdict.strikes == 2 and verdict.repeat_infringer
    assert verdict.since == edge  # the first pair within the window: one microsecond apart from the one before
    assert not assess([edge - timedelta(microseconds=1), now], now, policy).repeat_infringer


def test_a_network_ranks_its_accounts_by_takedowns_then_by_id_whatever_order_they_joined():
    networks = SellerNetworks()
    for seller, confirmed in [("b", 2), ("a", 2), ("ä", 5), ("c", 0), ("aa", 2)]:
        networks.link(seller, ["shared"])
        networks.record_confirmed(seller, confirmed)
    assert networks.members_with_takedowns("c", 10) == [("ä", 5), ("a", 2), ("aa", 2), ("b", 2), ("c", 0)]
    assert networks.members_with_takedowns("a", 2) == [("ä", 5), ("a", 2)]
