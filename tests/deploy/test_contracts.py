"""The contracts downstream services build on: the AsyncAPI document of every topic is current
and valid, the OpenAPI document covers every HTTP route a worker serves."""

from __future__ import annotations

import copy
import json
import re

import jsonschema
import pytest

import schemas
from pipeline.contracts import ASYNCAPI_FILE, rendered
from pipeline.settings import PROJECT_ROOT
from pipeline.topics import ALL_TOPICS

CONTRACTS = PROJECT_ROOT / "deploy" / "contracts"
ASYNCAPI_SCHEMA = json.loads((CONTRACTS / "vendor" / "asyncapi-3.0.0.schema.json").read_text())


def asyncapi_errors(document: dict) -> list[str]:
    validator = jsonschema.validators.validator_for(ASYNCAPI_SCHEMA)(ASYNCAPI_SCHEMA)
    return [e.message for e in validator.iter_errors(document)]


def test_the_committed_asyncapi_document_is_what_the_topic_specs_give():
    assert ASYNCAPI_FILE.read_text() == rendered(), "run: python -m pipeline.contracts"


def test_the_asyncapi_document_is_valid_asyncapi_3_and_a_broken_copy_is_not():
    document = json.loads(ASYNCAPI_FILE.read_text())
    assert asyncapi_errors(document) == []
    broken = copy.deepcopy(document)
    next(iter(broken["operations"].values()))["action"] = "publish"  # AsyncAPI 2's verb, not 3's
    assert asyncapi_errors(broken)


def test_every_topic_is_a_channel_with_its_schema_and_roles():
    document = json.loads(ASYNCAPI_FILE.read_text())
    addresses = {c["address"]: c for c in document["channels"].values()}
    assert set(addresses) == {t.name for t in ALL_TOPICS}
    for topic in ALL_TOPICS:
        assert topic.producers and topic.consumers, topic.name
        assert addresses[topic.name]["x-producers"] == list(topic.producers)
    for message in document["components"]["messages"].values():
        if "payload" in message:
            name = message["payload"]["$ref"].rsplit("/", 1)[-1]
            assert name in schemas.names(), name


def test_the_openapi_document_is_valid_and_covers_every_route():
    from openapi_spec_validator import validate

    document = json.loads((CONTRACTS / "openapi.json").read_text())
    validate(document)
    worker = PROJECT_ROOT / "agents" / "worker"
    monitoring = set(re.findall(r'add_get\("([^"]+)"', (worker / "observability.py").read_text()))
    pages = set(re.findall(r'app\.page\("([^"]+)"', (worker / "app.py").read_text()))
    assert monitoring and pages and monitoring | pages <= set(document["paths"]), (monitoring | pages) - set(document["paths"])
    for path in pages:  # the web port's, not the metrics port's
        assert document["paths"][path]["servers"][0]["url"].endswith(":6066"), path
    broken = copy.deepcopy(document)
    broken["paths"]["/sellers/{seller_id}"]["get"]["parameters"][0]["in"] = "body"  # OpenAPI 2's, not 3's
    with pytest.raises(Exception):
        validate(broken)
