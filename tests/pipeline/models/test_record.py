import json

import orjson

from pipeline.models import ModelStatus, encode_model_record, model_record, parse_model_record
from pipeline.scoring.model import MODEL_FILE, default_model
from pipeline.types import Reason, Rejection


def shipped_record(**changes) -> dict:
    record = model_record(json.loads(MODEL_FILE.read_text()), ModelStatus.SHADOW, published_by="tests")
    record.update(changes)
    return record


def test_a_model_file_becomes_a_record_that_parses_back_to_the_same_model():
    key, value = encode_model_record(shipped_record())
    parsed = parse_model_record(value, key)
    shipped = default_model()
    assert not isinstance(parsed, Rejection)
    assert parsed.model_id == shipped.version == key.decode() and parsed.status is ModelStatus.SHADOW
    assert parsed.model.intercept == shipped.intercept and (parsed.model.weights == shipped.weights).all()


def test_unknown_and_missing_signals_are_refused():
    record = shipped_record()
    record["weights"] = {**record["weights"], "moon_phase": 1.0}
    record["signals"] = [*record["signals"], "moon_phase"]
    unknown = parse_model_record(orjson.dumps(record))
    assert isinstance(unknown, Rejection) and "moon_phase" in unknown.detail
    record = shipped_record()
    del record["weights"]["bulk_quantity"]
    record["signals"].remove("bulk_quantity")
    missing = parse_model_record(orjson.dumps(record))
    assert isinstance(missing, Rejection) and "bulk_quantity" in missing.detail


def test_non_finite_weights_and_schema_violations_are_refused():
    overflow = orjson.dumps(shipped_record()).replace(b'"intercept":', b'"intercept":1e999,"x":', 1)
    assert isinstance(parse_model_record(overflow), Rejection)
    marked = shipped_record()
    marked["weights"]["brand_mentioned"] = 123.5
    value = orjson.dumps(marked).replace(b"123.5", b"1e400")  # JSON has no infinity; an overflowing number is one
    assert b"1e400" in value
    refused = parse_model_record(value)
    assert isinstance(refused, Rejection)
    bad_status = parse_model_record(orjson.dumps(shipped_record(status="deciding")))
    assert isinstance(bad_status, Rejection) and bad_status.reason is not Reason.PROCESSING_ERROR
    assert isinstance(parse_model_record(b"{not json"), Rejection)
    assert isinstance(parse_model_record(None), Rejection)


def test_a_record_under_another_key_is_refused():
    _, value = encode_model_record(shipped_record())
    refused = parse_model_record(value, b"some-other-model")
    assert isinstance(refused, Rejection) and "key" in refused.detail


def test_signals_must_name_the_weights():
    record = shipped_record()
    record["signals"] = record["signals"][:-1]
    assert isinstance(parse_model_record(orjson.dumps(record)), Rejection)
