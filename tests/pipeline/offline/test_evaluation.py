from pipeline.offline.evaluation import evaluate, format_evaluation


def test_metrics_confusion_and_per_brand():
    decisions = [
        {"listing_id": "c1", "route": "takedown", "brand": "gucci"},
        {"listing_id": "c2", "route": "review", "brand": "gucci"},
        {"listing_id": "c3", "route": "clear", "brand": None},
        {"listing_id": "g1", "route": "takedown", "brand": "nike"},
        {"listing_id": "g2", "route": "clear", "brand": None},
        {"listing_id": "x", "route": "clear", "brand": None},
    ]
    labels = {"c1": "counterfeit", "c2": "counterfeit", "c3": "counterfeit", "g1": "genuine", "g2": "genuine"}
    report = evaluate(decisions, labels, brands={"c3": "rolex"})
    assert report["takedown_precision"] == 0.5 and report["takedown_recall"] == round(1 / 3, 4)
    assert report["flagged_recall"] == round(2 / 3, 4) and report["unlabeled"] == 1
    assert report["confusion"]["counterfeit"] == {"takedown": 1, "review": 1, "clear": 1}
    assert report["per_brand"]["rolex"]["flagged_recall"] == 0.0
    assert report["per_brand"]["gucci"]["takedown_precision"] == 1.0
    assert "takedown precision 0.5" in format_evaluation(report)
