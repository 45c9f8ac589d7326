from datetime import datetime, timezone

from pipeline.notices import AccuracyPolicy, apply_event, format_cases, is_overdue, notifier_event, open_case
from pipeline.notices.appeals import close_case

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
POLICY = AccuracyPolicy(unfounded_share=0.5, window_days=90, min_decided=4)


def run(events, record=None):
    flags = []
    for n, (kind, at) in enumerate(events):
        judged = apply_event(record, notifier_event("acme", kind, f"n{n if kind == 'sent' else n}", "L", at), NOW,
                             POLICY)
        record = judged.value or record
        if judged.flag:
            flags.append(judged.flag)
    return record, flags


def test_counts_per_notifier_and_redeliveries_count_once():
    record = None
    for event in [notifier_event("acme", "sent", "n1", "L1", "2026-11-30T00:00:00Z")] * 2 + [
            notifier_event("acme", "upheld", "n1", "L1", "2026-11-30T01:00:00Z")]:
        record = apply_event(record, event, NOW, POLICY).value or record
    assert (record["sent"], record["upheld"], record["rejected"]) == (1, 1, 0)
    assert record["unfounded_share"] == 0.0 and record["flagged"] is False


def test_a_notifier_above_the_share_is_flagged_and_cleared_when_it_falls_below():
    events = [("rejected", "2026-11-20T00:00:00Z")] * 3 + [("upheld", "2026-11-21T00:00:00Z")]
    record, flags = run([(k, at) for k, at in events])
    assert record["rejected"] == 3 and record["unfounded_share"] == 0.75 and record["flagged"] is True
    assert [f["flagged"] for f in flags] == [True]
    record, flags = run([("upheld", "2026-11-25T00:00:00Z")] * 3, record)
    assert record["flagged"] is False and [f["flagged"] for f in flags] == [False]


def test_too_few_decided_notices_never_flag():
    record, flags = run([("rejected", "2026-11-20T00:00:00Z")] * 3)
    assert record["unfounded_share"] == 1.0 and not record["flagged"] and not flags


def test_decisions_outside_the_window_are_forgotten():
    record, _ = run([("rejected", "2026-01-01T00:00:00Z")] * 5)
    assert record["rejected"] == 5 and record["window"] == [] and not record["flagged"]


def test_a_reinstatement_turns_an_upheld_notice_into_an_unfounded_one():
    record = apply_event(None, notifier_event("acme", "upheld", "n1", "L", "2026-11-30T00:00:00Z"), NOW, POLICY).value
    record = apply_event(record, notifier_event("acme", "reinstated", "n1", "L", "2026-11-30T02:00:00Z"), NOW,
                         POLICY).value
    assert [w["unfounded"] for w in record["window"]] == [True] and record["reinstated"] == 1


def test_appeal_cases_have_deadlines_and_become_overdue():
    case = open_case("L", "s", "gucci", "st", "2026-11-01T00:00:00Z", 14)
    assert case["deadline"] == "2026-11-15T00:00:00.000Z" and is_overdue(case, NOW)
    assert not is_overdue(open_case("L", "s", None, None, "2026-11-30T00:00:00Z", 14), NOW)
    closed = close_case(case, "reinstated", "2026-11-20T00:00:00Z")
    assert not is_overdue(closed, NOW)
    assert "OVERDUE" in format_cases([case], NOW) and "OVERDUE" not in format_cases([closed], NOW)
