"""Seller state on Kafka: following the two compacted seller topics, and publishing learned links.

Every worker that needs seller networks (the scanner scoring listings, the
feedback role judging repeat infringers) follows ``sellers.reputation`` and
``sellers.links`` from the beginning, so a restarted worker knows every
network without re-reading a single listing. A record on ``sellers.links``
that is not a link goes to the dead-letter topic, as a bad brand profile does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence

import orjson
from aiokafka import ConsumerRecord
from mode import Service

from agents.worker.background import BackgroundErrors
from agents.worker.followers import CompactedTopicFollower
from pipeline import topics
from pipeline.records import deadletter_record
from pipeline.sellers.networks.changelog import link_record
from pipeline.sellers.networks.types import Link
from pipeline.sellers.state import SellerState
from pipeline.timestamps import format_timestamp, utc_now
from pipeline.types import OutputRecord, Rejection

log = logging.getLogger(__name__)

Report = Callable[[str, bytes | None, bytes], None]  # topic, key, value: sent without waiting


ORIGIN_HEADER = "counterscan-origin"


def link_outputs(links: Iterable[Link], origin: bytes) -> list[OutputRecord]:
    """Links a scanner learned, as records for the compacted links changelog, marked with the
    process that learned them (it has them already and need not apply them again)."""
    headers = [(ORIGIN_HEADER, origin)]  # one list for all: never changed
    return [OutputRecord(topics.SELLER_LINKS.name, *link_record(link), headers) for link in links]


def _from_elsewhere(messages: list[ConsumerRecord], origin: bytes | None) -> list[ConsumerRecord]:
    """The records another process published: a busy scanner learns about one link per listing,
    and parsing its own back would cost it as much again as learning them did."""
    if origin is None:
        return messages
    own = (ORIGIN_HEADER, origin)
    return [m for m in messages if own not in m.headers]


def seller_followers(bootstrap_servers: str, security: dict[str, object], state: SellerState,
                     report: Report, errors: BackgroundErrors,
                     origin: bytes | None = None) -> list[CompactedTopicFollower]:
    """Followers that keep ``state`` current; bad link records are reported through ``report``.
    Link records marked with ``origin`` are this process's own and are skipped: whoever passes
    it has put those links in ``state`` when it learned them."""

    def apply_reputation(key: bytes | None, value: bytes | None, _partition: int, _offset: int) -> None:
        state.apply_reputation(key, value)

    def refuse(rejection: Rejection, key: bytes | None, value: bytes | None, partition: int, offset: int) -> None:
        log.error("%s[%d]@%d is not a seller link, ignored: %s (%s)", topics.SELLER_LINKS.name, partition, offset,
                  rejection.detail, rejection.reason)
        record = deadletter_record(rejection, topic=topics.SELLER_LINKS.name, partition=partition, offset=offset,
                                   key=key, value=value, failed_at=format_timestamp(utc_now()))
        report(topics.DEADLETTER.name, key, orjson.dumps(record))

    def apply_link(key: bytes | None, value: bytes | None, partition: int, offset: int) -> None:
        rejection = state.apply_link(key, value)
        if rejection is not None:
            refuse(rejection, key, value, partition, offset)

    def apply_links(messages: list[ConsumerRecord]) -> None:
        messages = _from_elsewhere(messages, origin)
        for index, rejection in state.apply_links([(m.key, m.value) for m in messages]).items():
            message = messages[index]
            refuse(rejection, message.key, message.value, message.partition, message.offset)

    return [
        CompactedTopicFollower(bootstrap_servers, topics.SELLER_REPUTATION.name, apply_reputation, errors, security),
        CompactedTopicFollower(bootstrap_servers, topics.SELLER_LINKS.name, apply_link, errors, security,
                               apply_links),
    ]


async def caught_up(followers: Sequence[CompactedTopicFollower]) -> None:
    """Until every follower has applied what its topic held at start-up."""
    await asyncio.gather(*(follower.caught_up.wait() for follower in followers))


class SellerStateService(Service):
    """The seller followers of a worker that does not scan (a feedback-only worker). A bad link
    record is logged here, not reported: the scan workers following the same topic report it."""

    def __init__(self, bootstrap_servers: str, security: dict[str, object], state: SellerState,
                 errors: BackgroundErrors, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.sellers = state
        self.followers = seller_followers(bootstrap_servers, security, state, lambda _topic, _key, _value: None,
                                          errors)
        for follower in self.followers:
            self.add_dependency(follower)
