import orjson
import pytest

from pipeline.brands.profiles import ProfileBook, parse_profile, profile_record
from pipeline.settings import PROJECT_ROOT
from pipeline.types import Rejection

ACME = {"brand_id": "acme", "display_name": "Acme Luxe", "aliases": ["acmeluxe"],
        "reference_prices_usd": {"bags": [1000, 3000]}, "authorized_sellers": [{"marketplace": "ebay", "seller_id": "acme"}],
        "counterfeit_phashes": ["00000000000000ff"], "thresholds": {"takedown": 0.9, "review": 0.2}}


def test_default_catalog_satisfies_the_profile_schema():
    for entry in orjson.loads((PROJECT_ROOT / "pipeline" / "data" / "brands.json").read_bytes()):
        assert not isinstance(parse_profile(orjson.dumps(entry), entry["brand_id"].encode()), Rejection), entry["brand_id"]


def test_a_valid_profile_becomes_a_brand_profile():
    profile = parse_profile(*reversed(profile_record(ACME)))
    assert profile.brand_id == "acme" and profile.takedown_threshold == 0.9
    assert profile.reference_low_usd("bags") == 1000 and profile.reference_low_usd("shoes") == 1000
    assert profile.counterfeit_phashes == (255,)


@pytest.mark.parametrize("change, reason_word", [
    ({"aliases": []}, "aliases"),
    ({"aliases": ["(a+)+$"] * 65}, "aliases"),  # more than the 64 names a profile may list
    ({"reference_prices_usd": {"bags": [3000, 1000]}}, "reference_prices_usd"),
    ({"reference_prices_usd": {"spaceships": [1, 2]}}, "reference_prices_usd"),
    ({"thresholds": {"takedown": 0.01}}, "thresholds"),
    ({"thresholds": {"takedown": 0.5, "review": 0.8}}, "thresholds"),
    ({"regex": "(a+)+$"}, "regex"),
    ({"brand_id": "Not An Id"}, "brand_id"),
])
def test_bad_profiles_are_rejected_with_the_field_named(change, reason_word):
    outcome = parse_profile(orjson.dumps(dict(ACME, **change)))
    assert isinstance(outcome, Rejection)
    assert reason_word in outcome.detail


def test_key_must_match_brand_id():
    assert isinstance(parse_profile(orjson.dumps(ACME), b"other"), Rejection)


def test_profile_book_keeps_the_previous_profile_when_a_change_is_bad():
    book = ProfileBook()
    assert book.apply(*profile_record(ACME)).brand_id == "acme"
    assert book.catalog.find("acmeluxe tote")[0].brand_id == "acme"
    bad = dict(ACME, reference_prices_usd={"bags": [5, 1]})
    assert isinstance(book.apply(*profile_record(bad)), Rejection)
    assert book.catalog.profiles["acme"].reference_low_usd("bags") == 1000
    assert book.rejected and book.rejected[0][0] == "acme"


def test_tombstone_removes_a_run_time_change_and_restores_the_default():
    book = ProfileBook()
    changed = {"brand_id": "gucci", "display_name": "Gucci", "aliases": ["gucci"],
               "reference_prices_usd": {"bags": [10, 20]}}
    book.apply(*profile_record(changed))
    assert book.catalog.profiles["gucci"].reference_low_usd("bags") == 10
    book.apply(b"gucci", None)
    assert book.catalog.profiles["gucci"].reference_low_usd("bags") == 1450
