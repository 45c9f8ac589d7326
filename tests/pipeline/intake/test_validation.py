import json

import orjson
import pytest

from pipeline.intake.validation import decode_listing
from pipeline.testing import listing
from pipeline.types import Reason, Rejection

LIMIT = 1_048_576


def reason_of(value: bytes) -> Reason | None:
    outcome = decode_listing(value, LIMIT)
    return outcome.reason if isinstance(outcome, Rejection) else None


def without(key: str) -> dict:
    data = listing()
    *parents, leaf = key.split(".")
    target = data
    for p in parents:
        target = target[p]
    del target[leaf]
    return data


def test_valid_listing_passes_unchanged():
    data = listing()
    assert decode_listing(orjson.dumps(data), LIMIT) == data


def test_unknown_extra_fields_are_accepted():
    data = listing(shipping_days=3, extra={"anything": [1, 2]})
    assert decode_listing(orjson.dumps(data), LIMIT) == data


@pytest.mark.parametrize("value, reason", [
    (b'{"listing_id": "x", ', Reason.MALFORMED_JSON),
    (b"", Reason.MALFORMED_JSON),
    (b'{"title": "\xff\xfe"}', Reason.INVALID_UTF8),
    (b"[1, 2, 3]", Reason.NOT_AN_OBJECT),
    (b'"just a string"', Reason.NOT_AN_OBJECT),
    (b"null", Reason.NOT_AN_OBJECT),
    (orjson.dumps(without("price")), Reason.MISSING_FIELD),
    (orjson.dumps(without("seller.id")), Reason.MISSING_FIELD),
    (orjson.dumps(without("observed_at")), Reason.MISSING_FIELD),
    (orjson.dumps(listing(**{"price.amount": "12.50"})), Reason.WRONG_TYPE),
    (orjson.dumps(listing(seller="seller-1")), Reason.WRONG_TYPE),
    (orjson.dumps(listing(quantity=2.5)), Reason.WRONG_TYPE),
    (orjson.dumps(listing(**{"price.currency": "XQZ"})), Reason.UNKNOWN_CURRENCY),
    (orjson.dumps(listing(**{"price.currency": "usd"})), Reason.UNKNOWN_CURRENCY),
    (orjson.dumps(listing(**{"price.amount": 0})), Reason.INVALID_PRICE),
    (orjson.dumps(listing(**{"price.amount": -3.5})), Reason.INVALID_PRICE),
    (json.dumps(listing(**{"price.amount": float("nan")})).encode(), Reason.INVALID_PRICE),
    (json.dumps(listing(**{"price.amount": float("inf")})).encode(), Reason.INVALID_PRICE),
    (orjson.dumps(listing()).replace(b'"amount":59.0', b'"amount":1e400'), Reason.INVALID_PRICE),
    (orjson.dumps(listing(title="x" * 1025)), Reason.OVERSIZED_FIELD),
    (orjson.dumps(listing(listing_id="i" * 129)), Reason.OVERSIZED_FIELD),
    (orjson.dumps(listing(image_phashes=["0123456789abcdef"] * 65)), Reason.OVERSIZED_FIELD),
    (orjson.dumps(listing(observed_at="last tuesday")), Reason.INVALID_TIMESTAMP),
    (orjson.dumps(listing(schema_version=2)), Reason.UNSUPPORTED_VERSION),
    (orjson.dumps(listing(listing_id="")), Reason.SCHEMA_VIOLATION),
    (orjson.dumps(listing(image_phashes=["not-a-hash"])), Reason.SCHEMA_VIOLATION),
    (b'{"title": "\\ud800"}', Reason.INVALID_UTF8),
])
def test_bad_input_gets_a_specific_reason(value, reason):
    assert reason_of(value) == reason


def test_record_over_the_size_limit_is_refused_unread():
    outcome = decode_listing(b"{" + b" " * 100 + b"}", 50)
    assert outcome == Rejection(Reason.RECORD_TOO_LARGE, "102 bytes, limit 50")


def test_tombstone_is_rejected():
    assert reason_of(None) == Reason.MALFORMED_JSON


def test_deeply_nested_json_is_rejected_not_raised():
    assert reason_of(b"[" * 100_000 + b"]" * 100_000) == Reason.MALFORMED_JSON


def test_rejection_detail_names_the_field():
    outcome = decode_listing(orjson.dumps(listing(**{"price.amount": "12"})), LIMIT)
    assert isinstance(outcome, Rejection) and "price.amount" in outcome.detail


def test_reason_codes_match_the_deadletter_contract():
    import schemas

    contract = schemas.load("deadletter.v1.json")["properties"]["reason"]["enum"]
    assert sorted(contract) == sorted(r.value for r in Reason)


MINIMAL = {
    "listing_id": "m", "marketplace": "ebay", "seller": {"id": "s"}, "title": "",
    "price": {"amount": 0.01, "currency": "EUR"}, "observed_at": "2026-11-27T10:00:00+08:00",
}


@pytest.mark.parametrize("record", [
    MINIMAL,
    dict(MINIMAL, brand=None, revision=0, quantity=0, description="", image_phashes=[]),
    dict(MINIMAL, listing_id="i" * 128, title="t" * 1024, marketplace="m" * 64),
    dict(MINIMAL, seller={"id": "s", "created_at": "not a date", "contact_hashes": []}),
    dict(MINIMAL, listed_at="whenever", future_field={"nested": [1, {"x": None}]}),
    dict(MINIMAL, price={"amount": 10**30, "currency": "JPY"}),
])
def test_records_the_contract_allows_are_accepted(record):
    outcome = decode_listing(json.dumps(record).encode(), LIMIT)
    assert not isinstance(outcome, Rejection), outcome
    assert outcome["listing_id"] == record["listing_id"]


@pytest.mark.parametrize("contact", ["alice.smith@example.com" * 8, 4915112345678])
def test_a_bad_contact_point_is_never_quoted(contact):
    listing = dict(MINIMAL, seller={"id": "s", "contact_hashes": [contact]})
    rejection = decode_listing(orjson.dumps(listing), 1_000_000)
    assert isinstance(rejection, Rejection)
    assert rejection.reason in (Reason.OVERSIZED_FIELD, Reason.WRONG_TYPE)
    assert "seller.contact_hashes.0" in rejection.detail
    assert "alice" not in rejection.detail and "4915112345678" not in rejection.detail
