import numpy as np

from pipeline.offline.training import TrainingSet, fit


def test_fit_recovers_known_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20000, 3))
    true = np.array([1.5, -2.0, 0.0])
    p = 1 / (1 + np.exp(-(-0.5 + x @ true)))
    y = (rng.random(20000) < p).astype(float)
    intercept, weights = fit(TrainingSet(x, y), l2=0.1)
    assert abs(intercept + 0.5) < 0.1
    assert np.allclose(weights, true, atol=0.1)


def test_shipped_model_has_a_weight_for_every_signal():
    from pipeline.scoring.model import default_model
    from pipeline.scoring.signals import SIGNALS

    model = default_model()
    assert model.weights.shape == (len(SIGNALS),)
    assert model.weights[[s.name for s in SIGNALS].index("authorized_seller")] < 0
