from pipeline.offline.model_comparison import compare_models, format_comparison


def decision(n: int, live: str, shadow: str, brand: str = "gucci", model: str = "shadow-1") -> dict:
    return {"decision_id": f"{n:032x}", "listing_id": f"L{n}", "seller_id": "s", "brand": brand, "route": live,
            "model_version": "live-1", "decided_at": "2026-11-01T00:00:00Z",
            "shadow": {"model_version": model, "score": 0.5, "route": shadow}}


def test_route_changes_and_both_models_against_the_outcomes():
    decisions = [decision(1, "review", "takedown"), decision(2, "review", "takedown"), decision(3, "clear", "clear"),
                 decision(4, "takedown", "takedown", brand="prada"), decision(5, "clear", "review", model="other")]
    outcomes = [{"schema_version": 1, "decision_id": f"{n:032x}", "listing_id": f"L{n}", "seller_id": "s", "outcome": kind,
                 "decided_at": "2026-11-02T00:00:00Z"}
                for n, kind in ((1, "confirmed"), (2, "rejected"), (4, "confirmed"))]
    report = compare_models("shadow-1", decisions, outcomes)
    assert report["decisions"] == 4 and report["live_models"] == {"live-1": 4}
    gucci, everything = report["brands"]["gucci"], report["brands"]["all"]
    assert gucci["route_changes"] == {"review->takedown": 2}
    assert gucci["live"]["takedown_recall"] == 0.0 and gucci["shadow"]["takedown_precision"] == 0.5
    assert gucci["shadow"]["flagged_recall"] == 1.0 == gucci["live"]["flagged_recall"]
    assert everything["decisions"] == 4 and everything["labels"] == {"counterfeit": 2, "genuine": 1}
    assert list(report["brands"])[-1] == "all"
    assert "review->takedown 2" in format_comparison(report)
