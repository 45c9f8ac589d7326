"""The review queue: priority order, filters, and requests leaving it when decided or superseded."""

from datetime import datetime, timezone

from pipeline.review.queue import ReviewQueue


def request(review_id: str, priority: float, listing: str = "L1", at: str = "2026-12-01T10:00:00.000Z",
            **fields) -> dict:
    return {"review_id": review_id, "decision_id": review_id, "listing_id": listing, "marketplace": "ebay",
            "seller_id": "s1", "brand": "gucci", "priority": priority, "requested_at": at, **fields}


def rid(n: int) -> str:
    return f"{n:032x}"


def test_open_items_come_highest_priority_first_then_oldest():
    queue = ReviewQueue()
    queue.add_request(request(rid(1), 0.4, "L1"))
    queue.add_request(request(rid(2), 0.8, "L2"))
    queue.add_request(request(rid(3), 0.4, "L3", at="2026-12-01T09:00:00.000Z"))
    assert [i.review_id for i in queue.open_items()] == [rid(2), rid(3), rid(1)]


def test_filters_and_counts():
    queue = ReviewQueue()
    queue.add_request(request(rid(1), 0.4, "L1"))
    queue.add_request(request(rid(2), 0.8, "L2", brand="prada", marketplace="taobao"))
    queue.items[rid(2)].language = "zh"
    assert [i.review_id for i in queue.open_items({"brand": "prada"})] == [rid(2)]
    assert [i.review_id for i in queue.open_items({"language": "zh", "marketplace": "taobao"})] == [rid(2)]
    assert queue.open_items({"marketplace": "ebay", "brand": "prada"}) == []
    summary = queue.summary({"brand": "gucci"}, set(), datetime(2026, 12, 1, 10, 1, tzinfo=timezone.utc))
    assert (summary.open, summary.shown, summary.oldest_age_s) == (2, 1, 60.0)
    assert summary.counts["brand"] == {"gucci": 1, "prada": 1}
    assert summary.counts["language"] == {"none": 1, "zh": 1}


def test_a_decided_request_leaves_the_queue_whatever_arrives_first():
    queue = ReviewQueue()
    queue.add_outcome({"decision_id": rid(1), "outcome": "confirmed"})  # the outcome read before the request
    queue.add_request(request(rid(1), 0.9))
    queue.add_request(request(rid(2), 0.5, "L2"))
    queue.add_outcome({"decision_id": rid(2), "outcome": "rejected"})
    assert queue.open_items() == []
    assert [o["outcome"] for o in queue.history("ebay", "L1")] == ["confirmed"]


def test_a_newer_revision_supersedes_the_request():
    queue = ReviewQueue()
    queue.add_request(request(rid(1), 0.9))
    queue.add_decision({"decision_id": rid(1), "marketplace": "ebay", "listing_id": "L1", "revision": 0})
    assert len(queue.open_items()) == 1
    queue.add_decision({"decision_id": rid(5), "marketplace": "ebay", "listing_id": "L1", "revision": 1})
    assert queue.open_items() == []  # the newer revision was cleared: nothing to review


def test_a_newer_request_for_the_listing_replaces_the_older_one():
    queue = ReviewQueue()
    queue.add_request(request(rid(2), 0.5, at="2026-12-01T11:00:00.000Z"))
    queue.add_request(request(rid(1), 0.9, at="2026-12-01T10:00:00.000Z"))
    assert [i.review_id for i in queue.open_items()] == [rid(2)]


def test_hidden_items_and_moving_through_the_queue():
    queue = ReviewQueue()
    for n, p in ((1, 0.9), (2, 0.8), (3, 0.7)):
        queue.add_request(request(rid(n), p, f"L{n}"))
    assert [i.review_id for i in queue.open_items(hidden={rid(2)})] == [rid(1), rid(3)]
    assert queue.next_after(rid(1), None, set()).review_id == rid(2)
    assert queue.next_after(rid(1), None, set(), -1).review_id == rid(3)
    assert queue.next_after(rid(9), None, set()).review_id == rid(1)
