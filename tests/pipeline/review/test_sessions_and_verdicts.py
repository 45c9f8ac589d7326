"""Sessions are signed and expire, CSRF tokens belong to one session, a verdict is a valid outcome."""

from datetime import datetime, timedelta, timezone

import jsonschema

import schemas
from pipeline.review.brands import BrandBook, overturns
from pipeline.review.sessions import SessionSigner
from pipeline.review.verdicts import outcome_id, outcome_record

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


def test_a_session_token_is_checked_forged_and_expired():
    signer = SessionSigner(ttl_s=60)
    token, session = signer.issue("alice", NOW)
    assert signer.check(token, NOW + timedelta(seconds=59)).reviewer_id == "alice"
    assert signer.check(token, NOW + timedelta(seconds=61)) is None
    body, signature = token.rsplit(".", 1)
    assert signer.check(body.replace(body.split("|")[0], "Ym9i") + "." + signature, NOW) is None  # bob, forged
    assert SessionSigner().check(token, NOW) is None  # another secret
    assert signer.check("garbage", NOW) is None


def test_csrf_tokens_belong_to_their_session():
    signer = SessionSigner()
    _, first = signer.issue("alice", NOW)
    _, second = signer.issue("alice", NOW)
    assert signer.csrf_ok(first, signer.csrf_token(first))
    assert not signer.csrf_ok(first, signer.csrf_token(second))
    assert not signer.csrf_ok(first, None) and not signer.csrf_ok(first, "")


def test_a_verdict_is_a_schema_valid_outcome_with_one_id_per_item():
    request = {"review_id": "b" * 32, "decision_id": "b" * 32, "listing_id": "L1", "marketplace": "ebay",
               "seller_id": "s1", "brand": "gucci"}
    record = outcome_record(request, "counterfeit", "alice", NOW, " looks fake ")
    jsonschema.Draft202012Validator(schemas.load("enforcement_outcome.v1.json")).validate(record)
    assert (record["outcome"], record["decided_by"], record["note"]) == ("confirmed", "alice", "looks fake")
    assert outcome_record(request, "genuine", "bob", NOW)["outcome_id"] == record["outcome_id"] == outcome_id("b" * 32)


def test_brand_numbers_count_routes_verdicts_and_overturns_once():
    book = BrandBook()
    decision = {"decision_id": "c" * 32, "brand": "gucci", "route": "review", "score": 0.7,
                "decided_at": "2026-12-01T10:00:00.000Z"}
    outcome = outcome_record({"review_id": "c" * 32, "decision_id": "c" * 32, "listing_id": "L", "marketplace": "m",
                              "seller_id": "s", "brand": "gucci"}, "genuine", "alice", NOW)
    book.add_outcome(outcome)  # before its decision
    book.add_outcome(outcome)  # a repeat
    book.add_decision(decision)
    numbers = book.brands["gucci"]
    assert numbers.routes["2026-12-01"] == {"review": 1}
    assert numbers.reviewed() == 1 and numbers.overturn_share() == 1.0
    assert overturns("review", 0.3, "confirmed") and not overturns("takedown", 0.95, "confirmed")
