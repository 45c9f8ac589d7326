import dataclasses

import orjson

from pipeline.sellers.outcomes import apply_outcome, parse_outcome
from pipeline.sellers.reputation import Outcome, ReputationBook, SellerReputation
from pipeline.types import Rejection


def outcome(kind: str, outcome_id: str | None = "o1", **extra) -> bytes:
    record = {"schema_version": 1, "listing_id": "L1", "seller_id": "s1", "outcome": kind,
              "decided_at": "2026-11-27T12:00:00Z", **extra}
    if outcome_id:
        record["outcome_id"] = outcome_id
    return orjson.dumps(record)


def test_outcomes_fold_into_counts():
    reputation = None
    for index, kind in enumerate(["confirmed", "confirmed", "rejected", "counter_noticed", "reinstated"]):
        reputation = apply_outcome(reputation, parse_outcome(outcome(kind, f"o{index}")))
    assert (reputation.confirmed, reputation.rejected, reputation.counter_noticed, reputation.reinstated) == (2, 1, 1, 1)
    assert reputation.confirmed_takedowns == 1  # a reinstatement undoes a confirmation


def test_a_redelivered_outcome_counts_once():
    first = apply_outcome(None, parse_outcome(outcome("confirmed", "same")))
    again = apply_outcome(first, parse_outcome(outcome("confirmed", "same")))
    assert again.confirmed == 1


def test_reputation_round_trips_through_its_changelog_form():
    reputation = SellerReputation("s1").apply(Outcome.CONFIRMED, "2026-11-27T12:00:00Z", "x")
    assert SellerReputation.from_dict(orjson.loads(orjson.dumps(reputation.to_dict()))) == reputation
    assert set(reputation.to_dict()) == {field.name for field in dataclasses.fields(SellerReputation)}  # none left out


def test_bad_outcomes_are_rejected():
    assert isinstance(parse_outcome(outcome("maybe")), Rejection)
    assert isinstance(parse_outcome(b"{}"), Rejection)
    assert isinstance(parse_outcome(b"\xff"), Rejection)


def test_book_answers_zero_for_unknown_sellers():
    book = ReputationBook()
    assert book.confirmed_takedowns("nobody") == 0
    book.put(SellerReputation("s1", confirmed=3))
    assert book.confirmed_takedowns("s1") == 3
    book.remove("s1")
    assert book.confirmed_takedowns("s1") == 0 and len(book) == 0


def test_book_merges_recent_changes_into_its_arrays():
    book = ReputationBook(merge_at=100)
    for i in range(1000):
        book.put(SellerReputation(f"s{i}", confirmed=i % 5, reinstated=1 if i % 10 == 0 else 0))
    book.put(SellerReputation("s7", confirmed=9))  # a later change replaces the merged one
    counts = book.confirmed_takedowns_batch([f"s{i}" for i in range(1000)] + ["stranger"])
    expected = [max(0, i % 5 - (1 if i % 10 == 0 else 0)) for i in range(1000)]
    expected[7] = 9
    assert counts.tolist() == expected + [0]
    assert len(book) == sum(1 for c in expected if c)
