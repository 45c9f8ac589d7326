import numpy as np

from pipeline.offline.outcome_labels import label_outcomes
from pipeline.offline.outcome_training import Source, held_out_sellers, train_on_outcomes
from pipeline.offline.training import TrainingSet
from pipeline.scoring.signals import SIGNALS


def outcomes_and_decisions(n: int = 200):
    rng = np.random.default_rng(3)
    decisions, outcomes = [], []
    for i in range(n):
        fake = i % 2 == 0
        features = {"brand_mentioned": 1.0, "counterfeit_terms": float(rng.integers(1, 3)) if fake else 0.0,
                    "price_ratio_to_retail": float(rng.uniform(2, 4)) if fake else float(rng.uniform(0, 0.5))}
        decisions.append({"decision_id": f"{i:032x}", "listing_id": f"L{i}", "seller_id": f"s{i % 50}", "brand": "gucci",
                          "score": 0.6, "decided_at": "2026-11-01T00:00:00Z", "features": features})
        outcomes.append({"schema_version": 1, "decision_id": f"{i:032x}", "listing_id": f"L{i}", "seller_id": f"s{i % 50}",
                         "outcome": "confirmed" if fake else "rejected", "decided_at": "2026-11-02T00:00:00Z"})
    return outcomes, decisions


def test_a_model_fitted_on_outcomes_separates_them_and_states_its_sources():
    labels = label_outcomes(*outcomes_and_decisions())
    generated = TrainingSet(np.zeros((50, len(SIGNALS))), np.zeros(50), tuple(f"g{i}" for i in range(50)))
    model, provenance, figures = train_on_outcomes(labels, 0.6, [Source("generated", generated, 0.4, {"count": 50})],
                                                   1.0, "m-test", 0.9, 0.2)
    assert provenance["outcomes"]["weight_share"] == 0.6 and provenance["others"][0]["weight_share"] == 0.4
    assert provenance["outcomes"]["labels_per_brand"] == {"gucci": {"confirmed": 100, "rejected": 100}}
    held = figures["held_out"]
    assert held["new_model"]["listings"] == held["as_decided"]["listings"] > 0
    assert held["new_model"]["flagged_recall"] > 0.9 and held["new_model"]["genuine_flagged"] < 0.1
    scores = model.score_features(labels.data.features)
    assert scores[labels.data.labels == 1].mean() > scores[labels.data.labels == 0].mean() + 0.5


def test_held_out_sellers_are_stable_and_about_a_fifth():
    sellers = [f"seller-{i}" for i in range(2000)]
    mask = held_out_sellers(sellers)
    assert (mask == held_out_sellers(sellers)).all() and 0.15 < mask.mean() < 0.25
