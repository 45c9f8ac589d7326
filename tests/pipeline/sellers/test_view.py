"""Seller state from the two seller topics, and the view an analyst reads."""

from __future__ import annotations

import orjson

from pipeline.sellers.networks.changelog import link_record
from pipeline.sellers.networks.linklog import LinkLog
from pipeline.sellers.networks.types import Link, PointKind
from pipeline.sellers.reputation import SellerReputation
from pipeline.sellers.state import SellerState
from pipeline.sellers.view import format_seller_view, seller_view

PHONE = "9f2c41d0a7be33e15c0d9a4b7e6f1a28"
PAYMENT = "0b7d3e9f11aa42c6d8e5f3a1b2c4d6e8"


def reputation(seller: str, confirmed: int) -> tuple[bytes, bytes]:
    record = SellerReputation(seller, confirmed=confirmed, last_outcome_at="2026-11-27T12:00:00Z",
                              recent_outcome_ids=tuple(f"{seller}-o{n}" for n in range(confirmed)))
    return seller.encode(), orjson.dumps(record.to_dict())


def state_of(keep: set[str] | None = None) -> SellerState:
    state = SellerState(keep_details=None if keep is None else keep.__contains__)
    for link in (Link("old", PHONE, PointKind.CONTACT, "2026-11-01T08:00:00Z"),
                 Link("new", PHONE, PointKind.CONTACT, "2026-11-26T09:30:00Z"),
                 Link("new", PAYMENT, PointKind.CONTACT, "2026-11-26T09:30:00Z"),
                 Link("third", PAYMENT, PointKind.CONTACT, "2026-11-27T10:00:00Z")):
        assert state.apply_link(*link_record(link)) is None
    state.apply_reputation(*reputation("old", 3))
    state.apply_reputation(*reputation("third", 1))
    return state


def test_reputation_records_reach_the_network_totals():
    state = state_of()
    assert state.networks.network_of("new").confirmed_takedowns == 4
    state.apply_reputation(b"old", None)  # a tombstone: no outcomes any more
    assert state.networks.network_of("new").confirmed_takedowns == 1
    assert state.reputation.confirmed_takedowns("old") == 0


def test_a_record_that_is_not_a_link_is_returned_and_changes_nothing():
    state = SellerState()
    assert state.apply_link(b"x|contact:1", b'{"seller_id": "x"}') is not None
    key, value = link_record(Link("a", PHONE, PointKind.CONTACT, None))
    assert state.apply_link(b"b|contact:" + PHONE.encode(), value) is not None  # key names another seller
    assert state.apply_link(key, None) is None  # a tombstone undoes nothing
    assert state.networks.sellers == 0 and len(state.links) == 0


def test_view_names_members_links_and_shared_points_without_whole_points():
    view = seller_view(state_of(keep={"new", "old", "third"}), "new")
    assert view["network"]["size"] == 3
    assert view["network"]["other_accounts_confirmed_takedowns"] == 4
    assert view["network"]["members"][0] == {"seller_id": "old", "confirmed_takedowns": 3}
    assert {(p["point_prefix"], tuple(p["sellers"])) for p in view["evidence"]["shared_points"]} == {
        (PHONE[:12], ("old", "new")), (PAYMENT[:12], ("new", "third"))}
    assert [s["seller_id"] for s in view["evidence"]["linked_sellers_with_takedowns"]] == ["old", "third"]
    assert view["links"][0] == {"seller_id": "old", "kind": "contact", "point_prefix": PHONE[:12],
                                "first_seen_at": "2026-11-01T08:00:00Z"}
    text = orjson.dumps(view).decode() + format_seller_view(view)
    assert PHONE not in text and PAYMENT not in text
    assert "old" in format_seller_view(view)


def test_full_reputation_only_for_kept_sellers_and_unknown_sellers_have_no_view():
    state = state_of(keep={"old"})
    assert seller_view(state, "old")["reputation"]["confirmed"] == 3
    assert seller_view(state, "old")["evidence"]["recent_outcome_ids"] == ["old-o0", "old-o1", "old-o2"]
    assert seller_view(state, "third")["reputation"] == {"confirmed_takedowns": 1}
    assert seller_view(state, "nobody") is None


def test_link_log_reads_by_seller_oldest_first():
    log = LinkLog()
    log.add([Link(f"s{i % 7}", f"{i:032x}", PointKind.IMAGE if i % 2 else PointKind.CONTACT,
                  f"2026-11-{1 + i % 28:02d}T00:00:00Z") for i in range(5000)])
    rows = log.of(["s3"], limit=10_000)
    assert len(rows) == len([i for i in range(5000) if i % 7 == 3])
    assert [r.first_seen_at for r in rows] == sorted(r.first_seen_at for r in rows)
    assert {r.kind for r in rows} == {"contact", "image"} and all(len(r.point_prefix) == 12 for r in rows)
    for sellers in (["s1", "s5"], [f"s{i}" for i in (0, 1, 2, 4, 5, 6)]):  # both ways of reading
        assert {r.seller_id for r in log.of(sellers, limit=10_000)} == set(sellers)
        assert len(log.of(sellers, limit=10_000)) == sum(1 for i in range(5000) if f"s{i % 7}" in sellers)


def test_links_applied_a_fetch_at_a_time_give_the_networks_of_one_at_a_time():
    links = [Link(f"s{i // 2}", f"{i % 37:032x}", PointKind.IMAGE if i % 5 == 0 else PointKind.CONTACT, None)
             for i in range(400)]
    records = [link_record(link) for link in links]
    records[7] = (b"s3|contact:x", b'{"seller_id": 3}')
    batched, single = SellerState(), SellerState()
    rejected = batched.apply_links(records)
    assert list(rejected) == [7]
    assert [i for i, r in enumerate(records) if single.apply_link(*r) is not None] == [7]
    for seller in (f"s{i}" for i in range(200)):
        assert batched.networks.network_of(seller) == single.networks.network_of(seller)
    assert len(batched.links) == len(single.links) == 399
