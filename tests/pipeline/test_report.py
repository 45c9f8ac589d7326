from pipeline.report import Reconciliation, quality


def decision(listing_id, route="clear", decision_id=None):
    return {"listing_id": listing_id, "route": route, "decision_id": decision_id or f"d-{listing_id}"}


def test_lost_duplicates_and_routes():
    rec = Reconciliation({"a", "b", "c", "d"})
    rec.add_decision(decision("a", "takedown"))
    rec.add_decision(decision("a", "takedown"))
    rec.add_decision(decision("b"))
    rec.add_deadletter({"source": {"key": "c"}, "reason": "malformed_json"})
    summary = rec.summary()
    assert summary["lost"] == 1 and rec.lost() == {"d"}
    assert summary["duplicates"] == 1
    assert summary["decisions"] == 2 and summary["deadletter"] == 1
    assert summary["routes"] == {"clear": 1, "takedown": 1}
    assert not rec.complete


def test_quality_against_labels():
    decisions = [decision("c1", "takedown"), decision("c2", "review"), decision("c3", "clear"),
                 decision("g1", "takedown"), decision("g2", "clear")]
    labels = {"c1": "counterfeit", "c2": "counterfeit", "c3": "counterfeit", "g1": "genuine", "g2": "genuine"}
    q = quality(decisions, labels)
    assert q["takedown_precision"] == 0.5
    assert q["flagged_recall"] == round(2 / 3, 4)
