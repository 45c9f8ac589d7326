"""Claims: the log decides races, claims expire, escalations stay and are hidden from everyone."""

from datetime import datetime, timedelta, timezone

from pipeline.review.claims import CLAIMED, ESCALATED, RELEASED, ClaimBook, claim_record, parse_claim

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
R = "a" * 32


def claim(reviewer: str, state: str = CLAIMED, at: datetime = T0, ttl: float = 60):
    return parse_claim(claim_record(R, reviewer, state, at, ttl))


def test_the_first_claim_in_the_log_wins_until_it_expires():
    book = ClaimBook()
    assert book.apply(claim("alice"))
    assert not book.apply(claim("bob", at=T0 + timedelta(seconds=1)))
    assert book.holder(R, T0 + timedelta(seconds=30)).reviewer_id == "alice"
    assert book.hidden_from("bob", T0 + timedelta(seconds=30)) == {R}
    assert book.hidden_from("alice", T0 + timedelta(seconds=30)) == set()
    assert book.holder(R, T0 + timedelta(seconds=61)) is None  # expired: back in everyone's queue
    assert book.apply(claim("bob", at=T0 + timedelta(seconds=61)))
    assert book.holder(R, T0 + timedelta(seconds=62)).reviewer_id == "bob"


def test_renewing_and_releasing_ones_own_claim():
    book = ClaimBook()
    book.apply(claim("alice"))
    assert book.apply(claim("alice", at=T0 + timedelta(seconds=50)))
    assert book.holder(R, T0 + timedelta(seconds=100)).reviewer_id == "alice"
    assert book.apply(claim("alice", RELEASED, at=T0 + timedelta(seconds=101)))
    assert book.holder(R, T0 + timedelta(seconds=102)) is None


def test_an_escalation_never_expires_and_leaves_every_queue():
    book = ClaimBook()
    book.apply(claim("alice", ESCALATED))
    later = T0 + timedelta(days=3)
    assert book.holder(R, later).state == ESCALATED
    assert book.hidden_from("alice", later) == {R} == book.hidden_from("bob", later)
    book.forget(R)
    assert book.escalated() == []
