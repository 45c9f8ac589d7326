import json

import numpy as np
import orjson
import pytest

from pipeline.models import (
    ModelBook,
    ModelStatus,
    ValidationSample,
    VettingLimits,
    encode_model_record,
    model_record,
    vet,
)
from pipeline.scoring.model import MODEL_FILE, LogisticModel, default_model
from pipeline.types import Rejection


@pytest.fixture(scope="module")
def sample() -> ValidationSample:
    return ValidationSample.generated(1500, 0.9, 0.2)


def record(model_id: str, status: ModelStatus, intercept_shift: float = 0.0) -> tuple[bytes, bytes]:
    document = json.loads(MODEL_FILE.read_text())
    document["version"] = model_id
    document["intercept"] += intercept_shift
    return encode_model_record(model_record(document, status))


def book(sample: ValidationSample) -> ModelBook:
    return ModelBook(default_model(), lambda model: vet(model, sample, VettingLimits()))


def test_the_shipped_model_decides_until_the_topic_says_otherwise(sample):
    models = book(sample)
    assert models.in_force.live is models.shipped and models.in_force.shadow is None
    models.apply(*record("m-2", ModelStatus.SHADOW, 0.5))
    assert models.in_force.live is models.shipped and models.in_force.shadow.version == "m-2"
    models.apply(*record("m-2", ModelStatus.LIVE, 0.5))
    assert models.in_force.live.version == "m-2" and models.in_force.shadow is None


def test_the_latest_live_record_decides_and_retiring_it_falls_back(sample):
    models = book(sample)
    models.apply(*record("m-a", ModelStatus.LIVE))
    models.apply(*record("m-b", ModelStatus.LIVE, 0.2))
    assert models.in_force.live.version == "m-b"
    models.apply(*record("m-b", ModelStatus.RETIRED, 0.2))
    assert models.in_force.live.version == "m-a"
    models.apply(b"m-a", None)
    assert models.in_force.live is models.shipped
    assert [r.model_id for r in models.records()] == ["m-b"]


def test_a_reckless_model_is_refused_and_the_previous_one_stays(sample):
    models = book(sample)
    models.apply(*record("careful", ModelStatus.LIVE))
    refused = models.apply(*record("reckless", ModelStatus.LIVE, 10.0))
    assert isinstance(refused, Rejection) and "takedown" in refused.detail
    assert models.in_force.live.version == "careful"
    broken = models.apply(b"broken", b'{"model_id": "broken"}')
    assert isinstance(broken, Rejection) and models.in_force.live.version == "careful"


def test_vetting_limits_the_share_sent_to_takedown(sample):
    shipped = default_model()
    assert vet(shipped, sample, VettingLimits()) is None
    share = sample.takedowns(shipped).mean()
    assert 0.02 < share < 0.2  # the generator's counterfeits, not every listing
    assert isinstance(vet(shipped, sample, VettingLimits(max_takedown_share=share / 2)), Rejection)
    everything = LogisticModel("everything", 50.0, np.zeros_like(shipped.weights))
    assert isinstance(vet(everything, sample, VettingLimits()), Rejection)


def test_replaying_the_topic_gives_the_same_state(sample):
    log = [record("r-1", ModelStatus.SHADOW), record("r-1", ModelStatus.LIVE), record("r-2", ModelStatus.SHADOW, 0.3),
           record("bad", ModelStatus.LIVE, 10.0)]
    first, second = book(sample), book(sample)
    for key, value in log:
        first.apply(key, value)
    for key, value in log:
        second.apply(key, value)
    assert (first.in_force.live.version, first.in_force.shadow.version) == ("r-1", "r-2")
    assert (second.in_force.live.version, second.in_force.shadow.version) == ("r-1", "r-2")
    assert orjson.loads(log[0][1])["status"] == "shadow"
