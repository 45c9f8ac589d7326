from pipeline.offline.reconciliation import Reconciliation


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
