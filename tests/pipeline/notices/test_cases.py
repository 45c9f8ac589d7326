from datetime import datetime, timezone

import orjson
import pytest

from pipeline import topics
from pipeline.notices import NoticePolicy, apply_decision, apply_notice, apply_outcome, parse_notice, slim_decision
from pipeline.types import Reason
from tests.pipeline.notices.conftest import decision, notice_bytes, outcome

NOW = datetime(2026, 12, 1, 12, 0, 5, tzinfo=timezone.utc)


def on(step, topic):
    return [value for name, _key, value in step.records if name == topic]


def known(policy, **changes):
    return apply_decision(None, slim_decision(decision(**changes)), NOW, policy).value


def test_a_notice_on_a_known_listing_is_receipted_and_routed_with_its_decision(policy):
    step = apply_notice(known(policy), parse_notice(notice_bytes()), "2026-12-01T12:00:00Z", NOW, False, policy)
    (receipt,) = on(step, topics.NOTICE_RECEIPTS.name)
    (routed,) = on(step, topics.NOTICES_ROUTED.name)
    assert receipt["status"] == "received" and receipt["priority"] == routed["priority"]
    assert routed["decision"]["route"] == "takedown" and routed["decision"]["score"] == 0.97
    assert routed["decision"]["signals"][0]["detail"] == "counterfeit vocabulary: replica, 1:1"
    assert all(s["contribution"] > 0 for s in routed["decision"]["signals"])
    assert routed["already_restricted"] is False
    (sent,) = on(step, topics.NOTIFIER_EVENTS.name)
    assert sent["event"] == "sent"
    assert step.timings == [("receipt", "gucci", "notice", 5.0)]


def test_trusted_flaggers_go_first_and_flagged_notifiers_last(policy):
    state = known(policy)
    def prio(trusted, flagged, n):
        step = apply_notice(state, parse_notice(notice_bytes(notice_id=f"n{n}", notifier_id=f"x{n}", trusted=trusted)),
                            "2026-12-01T12:00:00Z", NOW, flagged, policy)
        return on(step, topics.NOTICES_ROUTED.name)[0]["priority"]
    assert prio(True, False, 1) > prio(False, False, 2) > prio(True, True, 3)


def test_a_notice_for_an_unknown_listing_is_kept_and_joined_when_it_appears(policy):
    step = apply_notice(None, parse_notice(notice_bytes()), "2026-12-01T12:00:00Z", NOW, False, policy)
    assert on(step, topics.NOTICE_RECEIPTS.name)[0]["status"] == "listing_not_found"
    assert not on(step, topics.NOTICES_ROUTED.name)
    joined = apply_decision(step.value, slim_decision(decision()), NOW, policy)
    assert on(joined, topics.NOTICE_RECEIPTS.name)[0]["status"] == "listing_found"
    assert on(joined, topics.NOTICES_ROUTED.name)[0]["notice_id"] == "n-1"
    assert joined.value["pending"] == [] and len(joined.value["cases"]) == 1


def test_a_kept_notice_expires_after_the_window(policy):
    step = apply_notice(None, parse_notice(notice_bytes()), "2026-11-01T12:00:00Z", NOW, False, policy)
    late = apply_decision(step.value, slim_decision(decision()), NOW, policy)
    assert on(late, topics.NOTICE_RECEIPTS.name)[0]["status"] == "expired"
    assert not on(late, topics.NOTICES_ROUTED.name) and late.value["cases"] == []


def test_duplicates_make_one_case_counted_once(policy):
    first = apply_notice(known(policy), parse_notice(notice_bytes()), "2026-12-01T12:00:00Z", NOW, False, policy)
    again = apply_notice(first.value, parse_notice(notice_bytes()), "2026-12-01T12:00:00Z", NOW, False, policy)
    assert again.value is None and again.records == []  # the same notice redelivered
    second = apply_notice(first.value, parse_notice(notice_bytes(notice_id="n-2")), "2026-12-01T12:00:00Z", NOW,
                          False, policy)
    assert [r["status"] for r in on(second, topics.NOTICE_RECEIPTS.name)] == ["duplicate"]
    assert not on(second, topics.NOTIFIER_EVENTS.name) and len(second.value["cases"]) == 1


def test_a_notice_on_a_listing_already_taken_down_says_so(policy):
    state = known(policy)
    removed = apply_outcome(state, outcome("confirmed"), NOW, policy).value
    step = apply_notice(removed, parse_notice(notice_bytes()), "2026-12-01T12:00:00Z", NOW, False, policy)
    (receipt,) = on(step, topics.NOTICE_RECEIPTS.name)
    assert receipt["already_restricted"] is True and "already been taken down" in receipt["message"]


def test_the_whole_walk_confirm_counter_notice_reinstate(policy):
    state = apply_notice(known(policy), parse_notice(notice_bytes()), "2026-12-01T11:00:00Z", NOW, False,
                         policy).value
    confirmed = apply_outcome(state, outcome("confirmed"), NOW, policy)
    (statement,) = on(confirmed, topics.STATEMENTS.name)
    assert statement["kind"] == "restriction" and statement["source"] == "notice"
    assert statement["submission"]["source_type"] == "SOURCE_ARTICLE_16"
    assert statement["submission"]["automated_detection"] == "Yes"
    assert statement["submission"]["automated_decision"] == "AUTOMATED_DECISION_PARTIALLY"
    assert [r["status"] for r in on(confirmed, topics.NOTICE_RECEIPTS.name)] == ["decided"]
    assert [e["event"] for e in on(confirmed, topics.NOTIFIER_EVENTS.name)] == ["upheld"]
    assert {t[0] for t in confirmed.timings} == {"decision", "action"}

    disputed = apply_outcome(confirmed.value, outcome("counter_noticed"), NOW, policy)
    (case,) = on(disputed, topics.APPEALS.name)
    assert case["status"] == "open" and case["statement_id"] == statement["statement_id"]
    assert case["deadline"] == "2026-12-15T12:00:05.000Z"

    reinstated = apply_outcome(disputed.value, outcome("reinstated"), NOW, policy)
    (reversal,) = on(reinstated, topics.STATEMENTS.name)
    (closed,) = on(reinstated, topics.APPEALS.name)
    assert reversal["kind"] == "reversal" and reversal["reverses"] == statement["statement_id"]
    assert reversal["submission"] is None
    assert closed["status"] == "closed" and closed["resolution"] == "reinstated"
    assert closed["reversal_statement_id"] == reversal["statement_id"]
    assert [e["event"] for e in on(reinstated, topics.NOTIFIER_EVENTS.name)] == ["reinstated"]
    assert reinstated.value["restriction"] is None


def test_outcomes_delivered_twice_count_once(policy):
    once = apply_outcome(known(policy), outcome("confirmed"), NOW, policy)
    assert apply_outcome(once.value, outcome("confirmed"), NOW, policy).records == []


def test_outcomes_for_unknown_decisions_are_rejected(policy):
    assert apply_outcome(None, outcome("confirmed"), NOW, policy).rejection.reason is Reason.UNKNOWN_DECISION
    other = outcome("confirmed", decision_id="f" * 32)
    rejected = apply_outcome(known(policy), other, NOW, policy)
    assert rejected.rejection.reason is Reason.UNKNOWN_DECISION and "f" * 32 in rejected.rejection.detail


def test_automated_removal_only_for_brands_the_marketplace_enables(policy):
    off = apply_decision(None, slim_decision(decision()), NOW, policy)
    assert not on(off, topics.STATEMENTS.name)
    enabled = NoticePolicy(automated_removal_brands=frozenset({"gucci"}), territorial_scope=("DE",))
    on_ = apply_decision(None, slim_decision(decision()), NOW, enabled)
    (statement,) = on(on_, topics.STATEMENTS.name)
    assert statement["source"] == "own_initiative" and statement["automated_decision"] == "fully"
    assert statement["submission"]["source_type"] == "SOURCE_VOLUNTARY"
    assert "source_identity" not in statement["submission"]
    review = apply_decision(None, slim_decision(decision(route="review")), NOW, enabled)
    assert not on(review, topics.STATEMENTS.name)


def test_a_person_acting_on_a_notice_for_a_clear_listing_is_not_automated(policy):
    state = apply_notice(known(policy, route="clear"), parse_notice(notice_bytes(trusted=True)),
                         "2026-12-01T11:00:00Z", NOW, False, policy).value
    (statement,) = on(apply_outcome(state, outcome("confirmed"), NOW, policy), topics.STATEMENTS.name)
    assert statement["submission"]["automated_detection"] == "No"
    assert statement["submission"]["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    assert statement["submission"]["source_type"] == "SOURCE_TRUSTED_FLAGGER"


@pytest.mark.parametrize("revision", [0, 1])
def test_a_late_older_decision_does_not_replace_a_newer_one(policy, revision):
    newer = known(policy, revision=2)
    assert apply_decision(newer, slim_decision(decision(revision=revision)), NOW, policy).value is None
    assert orjson.dumps(newer)  # the table value is JSON
