"""No input crashes the decoder, validator, normalizer or scanner: each bad record is a dead letter."""

from __future__ import annotations

import json

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import topics
from pipeline.intake.validation import decode_listing
from pipeline.scanner import Scanner
from pipeline.settings import Settings
from pipeline.testing import listing, raw_records
from pipeline.types import Reason, Rejection

SCANNER = Scanner(Settings.load(env={}).scoring)
REASONS = {r.value for r in Reason}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)


def one_outcome(value: bytes) -> dict:
    """Scan one record; exactly one decision or dead letter comes out, and it serializes."""
    result = SCANNER.process(raw_records([value]))
    primary = [o for o in result.outputs if o.topic in (topics.DECISIONS.name, topics.DEADLETTER.name)]
    assert len(primary) == 1
    record = orjson.loads(primary[0].value)
    if primary[0].topic == topics.DEADLETTER.name:
        assert record["reason"] in REASONS
    return record


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(value):
    outcome = decode_listing(value, 1 << 20)
    assert isinstance(outcome, (dict, Rejection))
    one_outcome(value)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_arbitrary_json(value):
    one_outcome(json.dumps(value).encode())


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["title", "description", "brand", "category", "quantity", "revision",
                                        "image_phashes", "url", "ships_from", "seller", "price", "observed_at"]),
                       json_values, max_size=4))
def test_valid_listing_with_fields_replaced_by_anything(changes):
    one_outcome(json.dumps({**listing(), **changes}).encode())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=1024), st.text(max_size=3000))
def test_any_text_in_title_and_description_is_decided(title, description):
    record = one_outcome(orjson.dumps(listing(title=title, description=description)))
    assert "decision_id" in record


def test_crafted_corpus():
    nested = b"[" * 5000 + b"]" * 5000
    cases = {
        b'{"a": ' + nested + b"}": Reason.NOT_AN_OBJECT.value,  # parses (deep but finite), then is no listing
        b"x" * (2 * 1024 * 1024): Reason.RECORD_TOO_LARGE.value,
        json.dumps(listing(**{"price.amount": 1e308 * 10})).encode(): Reason.INVALID_PRICE.value,
        b'{"title": "\\ud800"}': Reason.INVALID_UTF8.value,
        orjson.dumps(listing(image_phashes=["0123456789abcdef"] * 10_000)): Reason.OVERSIZED_FIELD.value,
        b'{"listing_id": "a", "listing_id": 5}': Reason.MISSING_FIELD.value,
    }
    for value, reason in cases.items():
        record = one_outcome(value)
        assert record.get("reason") in (reason, Reason.MALFORMED_JSON.value), (value[:40], record.get("reason"))
    for title in ("G\u202eucci\u200b bag\x00\x07", "\u200b" * 1000, "Gucci " * 200, "g u c c i " * 100):
        assert "decision_id" in one_outcome(orjson.dumps(listing(title=title[:1024])))
    huge = listing(extra=list(range(100_000)))
    assert "decision_id" in one_outcome(orjson.dumps(huge))
