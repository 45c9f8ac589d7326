import json
from pathlib import Path

import jsonschema
import orjson
import pytest

import schemas
from pipeline.intake.validation import decode_listing
from pipeline.settings import PROJECT_ROOT
from pipeline.synthetic.generator import MALFORMED, ListingGenerator
from pipeline.types import Rejection

CONTRACT = PROJECT_ROOT.parent / "shared" / "contracts" / "listing-raw-v1.schema.json"


def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schemas.load(name))


@pytest.mark.parametrize("name", schemas.names())
def test_every_schema_is_a_valid_draft_2020_12_schema(name):
    jsonschema.Draft202012Validator.check_schema(schemas.load(name))


def test_raw_schema_requires_nothing_more_than_the_contract():
    ours = schemas.load("listing.raw.v1.json")
    contract = json.loads(Path(CONTRACT).read_text()) if CONTRACT.exists() else ours
    assert set(ours["required"]) <= set(contract["required"])
    assert ours.get("additionalProperties", True) is not False
    for field, rule in contract["properties"].items():
        assert ours["properties"][field] == rule


def test_generated_valid_listings_satisfy_the_contract_and_the_decoder():
    validator = jsonschema.Draft202012Validator(schemas.load("listing.raw.v1.json"))
    for item in ListingGenerator(seed=3).take(2000):
        if item.label == MALFORMED:
            continue
        data = orjson.loads(item.value)
        assert validator.is_valid(data), item.listing_id
        assert not isinstance(decode_listing(item.value, 1 << 20), Rejection)


def test_decision_schema_checks_each_signal():
    errors = list(validator("decision.v1.json").iter_errors({"signals": [{"name": "x"}]}))
    assert any(list(e.absolute_path)[:1] == ["signals"] for e in errors)
