import orjson

from pipeline.notices import Incomplete, Notice, parse_notice
from pipeline.types import Reason, Rejection
from tests.pipeline.notices.conftest import notice_bytes, notice_record


def test_a_complete_notice_is_valid_and_names_its_listing():
    parsed = parse_notice(notice_bytes())
    assert isinstance(parsed, Notice)
    assert (parsed.notice_id, parsed.notifier_id, parsed.listing_id, parsed.source) == (
        "n-1", "acme-legal", "L-1", "notice")


def test_a_trusted_flaggers_notice_says_so():
    assert parse_notice(notice_bytes(trusted=True)).source == "trusted_flagger"


def test_a_url_alone_locates_the_listing():
    parsed = parse_notice(notice_bytes(listing={"marketplace": "shopzone", "url": "https://shopzone.example/item/L-9/"}))
    assert isinstance(parsed, Notice) and parsed.listing_id == "L-9"


def test_missing_art_16_elements_are_named_not_dropped():
    record = notice_record()
    del record["good_faith_statement"]
    record["notifier"].pop("email")
    record["explanation"] = "  "
    parsed = parse_notice(orjson.dumps(record))
    assert isinstance(parsed, Incomplete)
    assert parsed.notice_id == "n-1" and parsed.listing_id == "L-1"
    assert [m.split(":")[0] for m in parsed.missing] == ["Art. 16(2)(a)", "Art. 16(2)(c)", "Art. 16(2)(d)"]
    assert parsed.rejection.reason is Reason.MISSING_FIELD and "email" in parsed.rejection.detail


def test_a_notice_without_a_location_is_incomplete():
    parsed = parse_notice(notice_bytes(listing={"marketplace": "shopzone"}))
    assert isinstance(parsed, Incomplete) and any("16(2)(b)" in m for m in parsed.missing)


def test_records_with_no_one_to_answer_are_rejections():
    assert parse_notice(b"{not json").reason is Reason.MALFORMED_JSON
    assert parse_notice(b"[1]").reason is Reason.NOT_AN_OBJECT
    anonymous = notice_record()
    del anonymous["notifier"]["id"]
    assert isinstance(parse_notice(orjson.dumps(anonymous)), Rejection)


def test_a_wrong_type_is_a_schema_rejection():
    parsed = parse_notice(notice_bytes(attachments=[{"sha256": "not-a-hash"}]))
    assert isinstance(parsed, Rejection) and parsed.reason in (Reason.SCHEMA_VIOLATION, Reason.WRONG_TYPE)
