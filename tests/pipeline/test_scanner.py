import base64
from collections import Counter

import orjson
import pytest

from pipeline import topics
from pipeline.records import decision_id
from pipeline.scanner import Scanner
from pipeline.settings import Settings
from pipeline.synthetic.generator import MALFORMED, ListingGenerator
from pipeline.testing import listing, parse_output, raw_records
from tests.pipeline.test_schemas import validator as schema_validator


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(Settings.load(env={}).scoring)


def outputs_by_topic(result):
    grouped: dict[str, list[dict]] = {}
    for record in result.outputs:
        grouped.setdefault(record.topic, []).append(parse_output(record))
    return grouped


def test_every_input_yields_exactly_one_decision_or_deadletter(scanner):
    items = ListingGenerator(seed=11).take(3000)
    result = scanner.process(raw_records([i.value for i in items]))
    grouped = outputs_by_topic(result)
    decided = Counter(d["listing_id"] for d in grouped[topics.DECISIONS.name])
    dead = Counter(d["source"]["offset"] for d in grouped[topics.DEADLETTER.name])
    assert max(decided.values()) == 1 and max(dead.values()) == 1
    assert len(decided) + len(dead) == len(items)
    assert len(dead) == sum(1 for i in items if i.label == MALFORMED)
    assert result.decisions == len(decided) and result.deadletters == len(dead)


def test_outputs_match_their_contracts(scanner):
    items = ListingGenerator(seed=12).take(1500)
    grouped = outputs_by_topic(scanner.process(raw_records([i.value for i in items])))
    for topic, schema in ((topics.DECISIONS, "decision.v1.json"), (topics.TAKEDOWN, "takedown_notice.v1.json"),
                          (topics.REVIEW, "review_request.v1.json"), (topics.DEADLETTER, "deadletter.v1.json")):
        validator = schema_validator(schema)
        assert grouped[topic.name], f"no records on {topic.name}"
        for record in grouped[topic.name]:
            validator.validate(record)


def test_suspects_get_a_notice_or_review_request_with_the_decision_id(scanner):
    items = ListingGenerator(seed=13).take(2000)
    grouped = outputs_by_topic(scanner.process(raw_records([i.value for i in items])))
    routes = {d["decision_id"]: d["route"] for d in grouped[topics.DECISIONS.name]}
    assert {n["notice_id"] for n in grouped[topics.TAKEDOWN.name]} == {k for k, r in routes.items() if r == "takedown"}
    assert {n["review_id"] for n in grouped[topics.REVIEW.name]} == {k for k, r in routes.items() if r == "review"}


def test_decision_id_is_deterministic_across_redelivery(scanner):
    data = listing(listing_id="L-7", revision=3)
    first = outputs_by_topic(scanner.process(raw_records([data])))[topics.DECISIONS.name][0]
    again = outputs_by_topic(scanner.process(raw_records([data])))[topics.DECISIONS.name][0]
    assert first["decision_id"] == again["decision_id"] == decision_id("taobao", "L-7", 3, "rules-1")
    assert decision_id("taobao", "L-7", 4, "rules-1") != first["decision_id"]


def test_deadletter_keeps_the_original_bytes_and_key(scanner):
    bad = b'{"listing_id": "broken"'
    record = raw_records([bad])[0]
    result = scanner.process([record.__class__(record.topic, 4, 99, b"broken", bad)])
    (dead,) = outputs_by_topic(result)[topics.DEADLETTER.name]
    assert base64.b64decode(dead["original_b64"]) == bad
    assert dead["source"] == {"topic": "listings.raw", "partition": 4, "offset": 99, "key": "broken"}
    assert dead["reason"] == "malformed_json"


def test_obvious_counterfeit_goes_to_takedown_with_reasons(scanner):
    fake = listing(listing_id="F-1", title="Gucc1 Marmont bag replica AAA", brand="",
                   **{"price.amount": 300, "price.currency": "CNY", "seller.created_at": "2026-11-20T00:00:00Z"},
                   quantity=200)
    grouped = outputs_by_topic(scanner.process(raw_records([fake])))
    (decision,) = grouped[topics.DECISIONS.name]
    assert decision["route"] == "takedown" and decision["brand"] == "gucci"
    (notice,) = grouped[topics.TAKEDOWN.name]
    assert any("replica" in reason for reason in notice["reasons"])
    assert any("% of Gucci" in reason for reason in notice["reasons"])


def test_unbranded_listing_is_cleared(scanner):
    (decision,) = outputs_by_topic(scanner.process(raw_records([listing()])))[topics.DECISIONS.name]
    assert decision["route"] == "clear" and decision["brand"] is None


def test_authorized_seller_is_never_taken_down(scanner):
    official = listing(marketplace="tmall", title="Gucci Marmont replica bag", brand="Gucci",
                       **{"seller.id": "gucci-official", "price.amount": 10.0})
    (decision,) = outputs_by_topic(scanner.process(raw_records([official])))[topics.DECISIONS.name]
    assert decision["route"] != "takedown"
    authorized = next(s for s in decision["signals"] if s["name"] == "authorized_seller")
    assert authorized["value"] is True and authorized["contribution"] < 0


def test_score_depends_on_price(scanner):
    cheap = listing(listing_id="a", title="Prada Galleria bag", brand="Prada", **{"price.amount": 90.0})
    retail = listing(listing_id="b", title="Prada Galleria bag", brand="Prada", **{"price.amount": 2900.0})
    decisions = outputs_by_topic(scanner.process(raw_records([cheap, retail])))[topics.DECISIONS.name]
    by_id = {d["listing_id"]: d["score"] for d in decisions}
    assert by_id["a"] > 0.5 > by_id["b"]


def test_a_listing_that_breaks_scoring_is_isolated(scanner, monkeypatch):
    good, poison = listing(listing_id="good"), listing(listing_id="poison")
    original = scanner.extractor.extract

    def fragile(batch):
        if any(x.listing_id == "poison" for x in batch):
            raise ValueError("boom")
        return original(batch)

    monkeypatch.setattr(scanner.extractor, "extract", fragile)
    grouped = outputs_by_topic(scanner.process(raw_records([good, poison])))
    assert [d["listing_id"] for d in grouped[topics.DECISIONS.name]] == ["good"]
    (dead,) = grouped[topics.DEADLETTER.name]
    assert dead["reason"] == "processing_error" and dead["source"]["key"] == "poison"


def test_outputs_are_keyed_by_listing_id(scanner):
    result = scanner.process(raw_records([listing(listing_id="K-9")]))
    assert {r.key for r in result.outputs} == {b"K-9"}
    assert orjson.loads(result.outputs[0].value)["listing_id"] == "K-9"


def test_takedown_notice_carries_what_notice_and_action_rules_ask_for(scanner):
    from pipeline.brands.catalog import BrandCatalog

    known = f"{BrandCatalog.load().profiles['rolex'].counterfeit_phashes[0]:016x}"
    fake = listing(listing_id="N-1", title="Rolex Submariner replica 1:1", url="https://shop.example/N-1",
                   image_phashes=[known], **{"price.amount": 95.0, "seller.created_at": "2026-11-25T00:00:00Z"},
                   category="watches")
    (notice,) = outputs_by_topic(scanner.process(raw_records([fake])))[topics.TAKEDOWN.name]
    assert notice["location"] == {"url": "https://shop.example/N-1", "marketplace": "taobao",
                                  "listing_id": "N-1", "seller_id": "seller-1"}
    assert notice["rights"]["holder"] == "Rolex SA" and notice["rights"]["right"] == "trademark"
    assert "Rolex" in notice["explanation"] and notice["reasons"][0] in notice["explanation"]
    assert notice["notifier"]["name"] and notice["good_faith_statement"]
    assert notice["automation"]["detected_by_automated_means"] is True
    assert notice["evidence"]["matched_image_hashes"] == [known]
    assert notice["evidence"]["reference_price_usd"] == 9100.0  # the Submariner's own price, above the category's lowest (6000)
    assert notice["evidence"]["counterfeit_terms"] == ["1:1", "replica"]


def test_exchange_rates_come_from_configuration(tmp_path):
    rates = tmp_path / "rates.json"
    rates.write_text('{"rates": {"USD": 1.0, "XQZ": 2.0}}')
    scanner = Scanner(Settings.load(env={}, exchange_rates_file=rates).scoring)
    grouped = outputs_by_topic(scanner.process(raw_records([
        listing(listing_id="q", title="Prada tote bag", **{"price.amount": 100.0, "price.currency": "XQZ"}),
        listing(listing_id="e", **{"price.currency": "EUR"}),
    ])))
    (decision,) = grouped[topics.DECISIONS.name]
    ratio = next(s for s in decision["signals"] if s["name"] == "price_ratio_to_retail")["value"]
    assert ratio == round(200.0 / 1350, 4)
    assert grouped[topics.DEADLETTER.name][0]["reason"] == "unknown_currency"


def test_bad_rate_tables_are_refused(tmp_path):
    from pipeline.intake.currency import load_rates

    bad = tmp_path / "rates.json"
    bad.write_text('{"rates": {"usd": -1}}')
    with pytest.raises(ValueError, match="ISO 4217"):
        load_rates(bad)


def test_a_shadow_model_scores_beside_the_live_one_and_decides_nothing():
    from pipeline.scoring.model import LogisticModel, default_model

    live = default_model()
    scanner = Scanner(Settings.load(env={}).scoring)
    items = ListingGenerator(seed=21).take(1500)
    alone = outputs_by_topic(scanner.process(raw_records([i.value for i in items])))[topics.DECISIONS.name]
    assert not any("shadow" in d for d in alone)
    bolder = LogisticModel("bolder", live.intercept + 2.0, live.weights)
    scanner.use_models(live, bolder)
    result = scanner.process(raw_records([i.value for i in items]))
    decisions = outputs_by_topic(result)[topics.DECISIONS.name]
    assert [(d["route"], d["score"]) for d in decisions] == [(d["route"], d["score"]) for d in alone]
    assert all(d["shadow"]["model_version"] == "bolder" and d["shadow"]["score"] >= d["score"] for d in decisions)
    changed = Counter((d["route"], d["shadow"]["route"]) for d in decisions if d["route"] != d["shadow"]["route"])
    assert changed and result.shadow_changes == changed
    assert all(d["model_version"] == live.version for d in decisions)


def test_a_decision_carries_the_model_input_it_was_scored_on(scanner):
    import numpy as np

    from pipeline.scoring.signals import SIGNALS

    model = scanner.model
    items = ListingGenerator(seed=22).take(800)
    for decision in outputs_by_topic(scanner.process(raw_records([i.value for i in items])))[topics.DECISIONS.name]:
        features = np.array([decision["features"].get(s.name, 0.0) for s in SIGNALS])
        assert abs(float(model.score_features(features[None, :])[0]) - decision["score"]) < 1e-5


def test_review_requests_are_ranked_by_what_a_review_is_worth(scanner):
    items = ListingGenerator(seed=23).take(4000)
    reviews = outputs_by_topic(scanner.process(raw_records([i.value for i in items])))[topics.REVIEW.name]
    assert len(reviews) > 10
    assert len({r["priority"] for r in reviews}) > 3
    assert any(r["priority"] != r["score"] for r in reviews)
    assert all(set(r["priority_parts"]) == {"uncertainty", "label_scarcity", "brand_value", "network"} for r in reviews)
