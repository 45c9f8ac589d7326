import jsonschema
import orjson

import schemas
from pipeline.notices import (
    Provenance,
    contains_personal_data,
    export_batches,
    restriction_statement,
    scrub,
    slim_decision,
    submission_errors,
    territorial_scope,
)
from pipeline.notices.statements import EU_COUNTRIES
from tests.pipeline.notices.conftest import decision

SOR = jsonschema.Draft202012Validator(schemas.load("statement_of_reasons.v1.json"),
                                      format_checker=jsonschema.FormatChecker())
ENVELOPE = jsonschema.Draft202012Validator(schemas.load("enforcement_statement.v1.json"))


def statement(source="notice", removed_automatically=False, **changes):
    d = slim_decision(decision(**changes))
    return restriction_statement(d, Provenance.of(d, source, removed_automatically), outcome_id="o-1",
                                 applied_at="2026-12-01T12:00:00Z", issued_at="2026-12-01T12:00:01Z",
                                 scope=EU_COUNTRIES, personal=("Jane Roe", "jane.roe@acme-legal.example"))


def test_the_submission_is_valid_for_the_transparency_database():
    record = statement()
    assert not list(SOR.iter_errors(record["submission"]))
    assert not list(ENVELOPE.iter_errors(record))
    assert record["submission"]["application_date"] == "2026-12-01"
    assert record["submission"]["content_date"] == "2026-11-30"
    assert record["submission"]["puid"] == record["statement_id"]


def test_the_seller_reads_why_and_how_to_contest():
    record = statement()
    text = record["seller_notice"]["text"]
    assert "price is 4% of Gucci's lowest retail price" in text and "counterfeit vocabulary: replica, 1:1" in text
    assert "internal complaint" in text and "out-of-court" in text and "courts" in text
    assert record["seller_notice"]["redress"] == ["internal_complaint", "out_of_court_settlement", "judicial_redress"]
    assert "replica, 1:1" in record["submission"]["decision_facts"]
    assert "not used" not in text  # a signal that lowered the score is not a reason


def test_no_personal_data_reaches_the_database():
    contact = "call +44 20 7946 0958 or write to fake.seller@mail.example, see https://wa.me/4420794609"
    d = decision(seller_id="seller-jane-doe", signals=[
        {"name": "counterfeit_terms", "value": 1, "unit": "count", "contribution": 3.0,
         "detail": f"counterfeit vocabulary: replica ({contact})"},
        {"name": "network_confirmed_takedowns", "value": 4, "unit": "count", "contribution": 2.0,
         "detail": "linked by a contact point to the network of seller seller-jane-doe-2 (4 confirmed takedowns)"}])
    slim = slim_decision(d)
    record = restriction_statement(slim, Provenance.of(slim, "notice", False), outcome_id="o-1",
                                   applied_at="2026-12-01T12:00:00Z", issued_at="2026-12-01T12:00:00Z",
                                   scope=EU_COUNTRIES, personal=("Jane Roe", "jane.roe@acme-legal.example"))
    sent = orjson.dumps(record["submission"]).decode()
    for personal in ("7946", "fake.seller", "mail.example", "wa.me", "seller-jane-doe", "Jane Roe", "jane.roe"):
        assert personal not in sent, personal
    assert "accounts linked to the seller have 4 confirmed counterfeit takedowns" in sent
    assert not contains_personal_data(record["submission"]["decision_facts"], ("seller-jane-doe",))
    assert not list(SOR.iter_errors(record["submission"]))


def test_scrub_keeps_prices_and_counts():
    assert scrub("price is 4% of Gucci's lowest retail price; 20 units offered") == (
        "price is 4% of Gucci's lowest retail price; 20 units offered")
    assert scrub("mail me: a.b@c.example") == "mail me: [redacted]"


def test_the_schema_holds_the_databases_own_rules():
    good = statement()["submission"]
    assert not submission_errors(good)
    assert submission_errors({**good, "application_date": "01/12/2026"})
    assert submission_errors({**good, "puid": "has spaces"})
    assert submission_errors({**good, "category": "STATEMENT_CATEGORY_COUNTERFEITS"})
    no_ground = dict(good)
    del no_ground["illegal_content_explanation"]
    assert submission_errors(no_ground)
    assert submission_errors({k: v for k, v in good.items() if k != "decision_visibility"})
    assert submission_errors({**good, "territorial_scope": ["US"]})
    assert submission_errors({**good, "url": "https://shopzone.example/item/1"})  # not in the current version


def test_territorial_scope_names():
    assert len(territorial_scope("EU")) == 27 and len(territorial_scope("eea")) == 30
    assert territorial_scope("de, fr") == ["DE", "FR"]


def test_export_cuts_batches_of_at_most_100_and_refuses_invalid_statements():
    good = [statement(listing_id=f"L-{n}") for n in range(230)]
    bad = dict(statement(listing_id="L-bad"))
    bad["submission"] = {**bad["submission"], "application_date": "yesterday"}
    reversal = {**statement(listing_id="L-r"), "kind": "reversal", "submission": None}
    export = export_batches([*good, bad, reversal, good[0]])
    assert [len(b["statements"]) for b in export.batches] == [100, 100, 30]
    assert [r.statement_id for r in export.refused] == [bad["statement_id"]]
    assert "application_date" in export.refused[0].detail
    for batch in export.batches:
        for submission in batch["statements"]:
            assert not list(SOR.iter_errors(submission))
