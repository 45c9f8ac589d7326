"""A scanner skips its own links on sellers.links and applies everyone else's."""

from __future__ import annotations

from aiokafka import ConsumerRecord

from agents.worker.background import BackgroundErrors
from agents.worker.sellers import ORIGIN_HEADER, link_outputs, seller_followers
from pipeline import topics
from pipeline.sellers.networks.types import Link, PointKind
from pipeline.sellers.state import SellerState

POINT = "a" * 64


def consumed(offset: int, link: Link, origin: bytes) -> ConsumerRecord:
    """A link record as another process, or this one, published it."""
    (record,) = link_outputs([link], origin)
    assert record.topic == topics.SELLER_LINKS.name and record.headers == [(ORIGIN_HEADER, origin)]
    return ConsumerRecord(topics.SELLER_LINKS.name, 0, offset, 0, 0, record.key, record.value, None,
                          len(record.key), len(record.value), tuple(record.headers))


def apply_batch(origin: bytes | None) -> SellerState:
    state = SellerState()
    links_follower = seller_followers("127.0.0.1:9", {}, state, lambda *_: None, BackgroundErrors.unexported(),
                                       origin)[1]
    assert links_follower.topic == topics.SELLER_LINKS.name
    links_follower.handle_batch([
        consumed(0, Link("mine-1", POINT, PointKind.CONTACT, None), b"me"),
        consumed(1, Link("mine-2", POINT, PointKind.CONTACT, None), b"me"),
        consumed(2, Link("theirs-1", POINT, PointKind.CONTACT, None), b"another"),
        consumed(3, Link("theirs-2", POINT, PointKind.CONTACT, None), b"another"),
    ])
    return state


def test_own_links_are_skipped_and_the_others_applied():
    state = apply_batch(b"me")
    assert state.networks.same_network("theirs-1", "theirs-2")
    assert state.networks.network_of("mine-1") is None and not state.networks.same_network("mine-1", "theirs-1")


def test_without_an_origin_every_link_is_applied():
    state = apply_batch(None)
    assert state.networks.same_network("mine-1", "theirs-2")
