"""The compiled intake (``native/``) against the Python one, the reference: for every record it
accepts, the same normalized listing; for random and hostile records, the same outputs from the
scanner, dead-letter reasons and details included; and it does accept the common listings, or
the comparisons would prove nothing."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.intake.currency import USD_RATES
from pipeline.intake.native import admit_batch, compiled, use_native
from pipeline.intake.normalize import normalize
from pipeline.intake.validation import decode_listing
from pipeline.scanner import Scanner
from pipeline.settings import Settings
from pipeline.synthetic.generator import ListingGenerator
from pipeline.testing import listing, raw_records

MAX_BYTES = 1 << 20
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def python_admit(value: bytes | None) -> Any:
    decoded = decode_listing(value, MAX_BYTES, USD_RATES)
    return decoded if not isinstance(decoded, dict) else normalize(decoded, USD_RATES)


def same(native: Any, python: Any) -> bool:
    """Field by field, types included; NaN equals NaN (an unknown seller age)."""
    return type(native) is type(python) and [repr(f) for f in native] == [repr(f) for f in python]


def test_the_compiled_module_is_built_and_chosen_by_the_setting():
    assert compiled is not None, "make install builds native/; without it this suite tests nothing"
    assert use_native("auto") and use_native("on") and not use_native("off")
    with pytest.raises(ValueError, match="not one of"):
        use_native("sometimes")
    assert Scanner(Settings.load(env={"COUNTERSCAN_NATIVE": "off"}).scoring).native is False


def test_generated_listings_are_decided_natively_and_identically():
    values = [item.value for item in ListingGenerator(11).take(3000)]
    native = admit_batch(values, MAX_BYTES, USD_RATES)
    accepted = [(n, v) for n, v in zip(native, values) if n is not None]
    assert len(accepted) > 0.9 * len(values)
    assert all(same(n, python_admit(v)) for n, v in accepted)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=True).encode("utf-8", errors="surrogatepass")


hostile_text = st.text(st.characters(blacklist_categories=()), max_size=40) | st.sampled_from(
    ["", " ", "\x00", "\ud800", "é", "ǅ", "ＧＵＣＣＩ", "İ", "ß", "a" * 129, "x" * 1025, "\u0301" * 40])
timestamps = st.sampled_from([
    "2026-11-27T10:00:00Z", "2026-11-27T10:00:00", "2026-11-27T10:00:00.123Z", "2026-11-27T10:00:00.123456+05:30",
    "2026-11-27T10:00:00.1234Z", "2026-11-27 10:00:00", "2026-02-29T10:00:00Z", "2024-02-29T23:59:59-12:00",
    "2026-11-27T24:00:00Z", "2026-11-27T10:00:60Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59.999999Z",
    "2026-11-27", "2026-11-27T10:00Z", "2026-11-27T10:00:00+0530", "2026-11-27T10:00:00+24:00", "yesterday", "",
    "2026-11-27t10:00:00z", "２０２６-11-27T10:00:00Z"]) | hostile_text
numbers = st.one_of(
    st.integers(min_value=-10, max_value=10), st.integers(min_value=2**63 - 2, max_value=2**65),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0, 0.0, -0.0, 1.0, 5, 5.0000001, 1e308, 1e-320]),
    st.integers(min_value=10**20, max_value=10**30))
anything = st.none() | st.booleans() | numbers | hostile_text | st.lists(hostile_text, max_size=3)
FIELDS = {
    "schema_version": st.sampled_from([1, 1.0, 2, "1", None]) | anything,
    "listing_id": hostile_text | anything, "marketplace": st.sampled_from(["eBay", "TAOBAO", "Straße", "İz"]) | anything,
    "url": hostile_text | anything, "revision": numbers | anything, "title": hostile_text | anything,
    "description": hostile_text | anything, "brand": st.sampled_from(["Gucci", "", None]) | anything,
    "category": st.sampled_from(["bags/handbags", "watches", "", "Mode > Accessoires & Bagagerie"]) | anything,
    "quantity": numbers | anything, "ships_from": st.sampled_from(["CN", "cn", "CNN", "C"]) | anything,
    "image_phashes": st.lists(st.sampled_from(["00ff00ff00ff00ff", "00FF00FF00FF00FF", "1"]), max_size=66) | anything,
    "observed_at": timestamps | anything, "listed_at": timestamps | anything, "condition": anything,
    "price.amount": numbers | anything, "price.currency": st.sampled_from(["USD", "EUR", "XQZ", "usd", "US"]) | anything,
    "seller.id": hostile_text | anything, "seller.created_at": timestamps | anything,
    "seller.rating": numbers | anything, "seller.feedback_count": numbers | anything,
    "seller.country": st.sampled_from(["CN", "C"]) | anything, "seller.name": hostile_text | anything,
    "seller.contact_hashes": st.lists(hostile_text, max_size=34) | anything,
}
DELETE = object()


@st.composite
def hostile_records(draw: st.DrawFn) -> bytes:
    """A valid listing with some fields replaced by hostile values or removed, as JSON; sometimes
    with its bytes cut or changed, or extra fields of any kind added."""
    record = listing()
    for key in draw(st.lists(st.sampled_from(sorted(FIELDS)), max_size=4, unique=True)):
        value = draw(st.just(DELETE) | FIELDS[key])
        *parents, leaf = key.split(".")
        target = record
        for parent in parents:
            target = target[parent] if isinstance(target.get(parent), dict) else target.setdefault(parent, {})
        if value is DELETE:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    if draw(st.booleans()):
        record[draw(hostile_text)] = draw(anything)
    raw = _json(record)
    cut = draw(st.sampled_from([None, None, None, "cut", "byte", "dup"]))
    if cut == "cut":
        raw = raw[:draw(st.integers(0, len(raw)))]
    elif cut == "byte":
        at = draw(st.integers(0, len(raw) - 1))
        raw = raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1:]
    elif cut == "dup":
        raw = raw[:-1] + b',"price":' + _json(draw(anything)) + b"}"
    return raw


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_records() | st.binary(max_size=200), min_size=1, max_size=8))
def test_hostile_records_are_admitted_as_python_admits_them(values):
    for native, value in zip(admit_batch(values, MAX_BYTES, USD_RATES), values):
        if native is not None:
            assert same(native, python_admit(value)), value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_records(), min_size=1, max_size=6))
def test_hostile_batches_give_the_same_outputs_either_way(values):
    outputs = {}
    for mode in ("on", "off"):
        scanner = Scanner(Settings.load(env={}, native=mode).scoring)
        result = scanner.process(raw_records(values), now=NOW)
        outputs[mode] = [(o.topic, o.key, orjson.loads(o.value)) for o in result.outputs]
    assert outputs["on"] == outputs["off"]
