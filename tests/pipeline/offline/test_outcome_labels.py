from collections import Counter

import numpy as np
import pytest

from pipeline.offline.outcome_labels import (
    BRAND_SHARE,
    SELLER_CAP,
    TooFewLabels,
    example_weights,
    label_outcomes,
    resolved_kinds,
)


def decision(n: int, brand: str = "gucci", seller: str | None = None, at: str = "2026-11-01T00:00:00Z", **extra) -> dict:
    return {"decision_id": f"{n:032x}", "listing_id": f"L{n}", "seller_id": seller or f"s{n}", "brand": brand,
            "score": 0.5, "route": "review", "decided_at": at, "features": {"brand_mentioned": 1.0, "counterfeit_terms": n % 3},
            **extra}


def outcome(n: int, kind: str, at: str = "2026-11-02T00:00:00Z", by_id: bool = True) -> dict:
    record = {"schema_version": 1, "listing_id": f"L{n}", "seller_id": f"s{n}", "outcome": kind, "decided_at": at}
    if by_id:
        record["decision_id"] = f"{n:032x}"
    return record


def test_confirmed_is_counterfeit_rejected_and_reinstated_are_genuine():
    labels = label_outcomes([outcome(1, "confirmed"), outcome(2, "rejected"), outcome(3, "confirmed"),
                             outcome(3, "reinstated", "2026-11-05T00:00:00Z")], [decision(1), decision(2), decision(3)])
    by_listing = dict(zip(labels.data.listing_ids, labels.data.labels.tolist()))
    assert by_listing == {"L1": 1.0, "L2": 0.0, "L3": 0.0}
    assert labels.per_brand["gucci"] == Counter({"confirmed": 1, "rejected": 1, "reinstated": 1})
    assert labels.data.features.shape == (3, labels.data.features.shape[1]) and labels.data.features[:, 0].sum() == 3


def test_a_counter_notice_counts_only_once_resolved():
    open_dispute = [outcome(1, "confirmed"), outcome(1, "counter_noticed", "2026-11-03T00:00:00Z")]
    kinds, _, skipped = resolved_kinds(open_dispute, [decision(1)])
    assert kinds == {} and skipped["counter-notice not resolved"] == 1
    resolved = [*open_dispute, outcome(1, "confirmed", "2026-11-09T00:00:00Z")]
    assert resolved_kinds(resolved, [decision(1)])[0] == {f"{1:032x}": "confirmed"}


def test_an_outcome_without_decision_id_joins_the_listings_latest_earlier_decision():
    older = decision(1, at="2026-10-01T00:00:00Z")
    newer = {**decision(1, at="2026-11-10T00:00:00Z"), "decision_id": "f" * 32, "features": {"bulk_quantity": 1.0}}
    later = {**decision(1, at="2026-12-10T00:00:00Z"), "decision_id": "e" * 32}
    kinds, _, _ = resolved_kinds([outcome(1, "confirmed", "2026-11-20T00:00:00Z", by_id=False)], [older, later, newer])
    assert kinds == {"f" * 32: "confirmed"}


def test_outcomes_without_a_decision_or_model_input_are_counted_not_used():
    no_input = decision(2)
    del no_input["features"]
    labels = label_outcomes([outcome(1, "confirmed"), outcome(2, "rejected"), outcome(9, "confirmed")],
                            [decision(1), no_input])
    assert len(labels.data.labels) == 1
    assert labels.skipped == Counter({"no decision found": 1, "decision without model input": 1})


def test_too_few_labels_are_refused_with_what_was_found():
    labels = label_outcomes([outcome(1, "confirmed")], [decision(1)])
    with pytest.raises(TooFewLabels, match=r"only 1 labels from outcomes \(1 counterfeit, 0 genuine\)"):
        labels.require(30, 5)


def test_no_seller_and_no_brand_dominates():
    sellers = ["busy"] * 60 + [f"s{i}" for i in range(40)]
    brands = ["gucci"] * 80 + ["prada"] * 10 + ["rolex"] * 5 + ["nike"] * 5
    weights = example_weights(sellers, brands)
    assert weights.mean() == pytest.approx(1.0)
    assert weights[:60].sum() / weights[60:61].sum() == pytest.approx(SELLER_CAP, rel=0.35)
    share = {b: weights[np.array(brands) == b].sum() / weights.sum() for b in set(brands)}
    assert share["gucci"] <= BRAND_SHARE + 1e-6
    assert example_weights(["a", "b"], ["x", "x"]).tolist() == [1.0, 1.0]


def test_records_that_are_not_outcomes_are_counted_and_skipped():
    kinds, _, skipped = resolved_kinds([{"outcome": "maybe"}, outcome(1, "confirmed")], [decision(1), {"junk": 1}])
    assert kinds == {f"{1:032x}": "confirmed"} and skipped["not a valid outcome"] == 1
