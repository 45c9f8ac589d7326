import pytest

from pipeline.scoring.shares import RouteShares


def test_a_brands_share_follows_its_recent_decisions():
    shares = RouteShares(half_life=100)
    first = shares.update({("takedown", "gucci"): 10, ("clear", "gucci"): 90})
    assert first[("gucci", "takedown")] == pytest.approx(0.1, abs=0.01)
    for _ in range(10):
        latest = shares.update({("takedown", "gucci"): 50, ("clear", "gucci"): 50})
    assert latest[("gucci", "takedown")] == pytest.approx(0.5, abs=0.01)
    assert sum(v for (b, _), v in latest.items() if b == "gucci") == pytest.approx(1.0, abs=0.001)


def test_brands_decay_apart_and_untouched_brands_are_not_reported():
    shares = RouteShares(half_life=10)
    shares.update({("takedown", "rare"): 1})
    busy = shares.update({("clear", "busy"): 1000})
    assert ("rare", "takedown") not in busy
    assert shares.counts["rare"]["takedown"] == 1.0  # a rare brand keeps its share until its own next decisions
