"""The console's Kafka side: its readers, its producer, and the three things a reviewer does.

Opening an item claims it (written to ``console.claims`` and read back, so the
log says who won); a verdict publishes one enforcement outcome and clears the
claim; an escalation is a claim that takes the item out of the ordinary
queue. A verdict is published once per item even when the button is pressed
twice or two requests race: this process serialises verdicts per item and
skips one whose outcome it already has, and the outcome id is the item's
own, so the feedback workers count a repeat once anyway.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from aiokafka import TopicPartition

from agents.console.feeds import TopicFeed
from agents.console.state import ConsoleState
from agents.kafka.clients import producer
from pipeline import topics
from pipeline.review.claims import CLAIMED, ESCALATED, Claim, claim_record
from pipeline.review.queue import QueueItem
from pipeline.review.verdicts import VERDICTS, outcome_record
from pipeline.settings import Settings
from pipeline.timestamps import parse_timestamp, utc_now

log = logging.getLogger(__name__)
# how long before its review request a listing's raw record and decision may have been written: the scan lag
SCAN_MARGIN_S = 3600.0


@dataclass(frozen=True, slots=True)
class Verdict:
    """What became of a reviewer's action: the outcome published (None for an escalation), and whether
    this request published it or found it published already."""

    outcome: dict[str, Any] | None
    published: bool


class ItemTaken(Exception):
    """Another reviewer holds the item, or it is no longer open."""


class ConsoleService:
    """Readers, producer and actions of one console process."""

    def __init__(self, bootstrap_servers: str, security: dict[str, object], settings: Settings) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.security = security
        self.settings = settings
        self.state = ConsoleState(self._report)
        self._producer = producer(bootstrap_servers, **security)
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        state = self.state
        # review requests and outcomes are few: read whole. Decisions and raw listings are every listing's:
        # read from the history window, or from before the oldest open request if that is older, once
        # the queue is known (so the listings and sellers of its open items are kept)
        self.queue_feed = TopicFeed(bootstrap_servers, security, {
            topics.REVIEW.name: state.on_request, topics.OUTCOMES.name: state.on_outcome}, "queue")
        self.claims_feed = TopicFeed(bootstrap_servers, security, {topics.REVIEW_CLAIMS.name: state.on_claim}, "claims")
        self.listings_feed = TopicFeed(bootstrap_servers, security, {
            topics.DECISIONS.name: state.on_decision, topics.LISTINGS_RAW.name: state.on_listing}, "listings",
            since_ms=self.history_start_ms)
        self.sellers_feed = TopicFeed(bootstrap_servers, security, {
            topics.SELLER_REPUTATION.name: state.on_reputation, topics.SELLER_LINKS.name: state.on_link}, "sellers")
        self.feeds = (self.queue_feed, self.claims_feed, self.listings_feed, self.sellers_feed)
        self._starting: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._producer.start()
        await self.queue_feed.start()
        await self.claims_feed.start()
        self._starting = asyncio.create_task(self._start_followers())

    def history_start_ms(self) -> int:
        """Where decisions and raw listings are read from: the history window's start, or a margin before
        the oldest open request (its listing and decision were written shortly before it), if earlier."""
        now = utc_now()
        start = (now - timedelta(days=self.settings.console_history_days)).timestamp()
        oldest = min((parse_timestamp(i.request["requested_at"]) for i in self.state.queue.open_items()),
                     default=None)
        if oldest is not None:
            start = min(start, (oldest - timedelta(seconds=SCAN_MARGIN_S)).timestamp())
        return int(start * 1000)

    async def _start_followers(self) -> None:
        await self.queue_feed.caught_up.wait()
        await self.listings_feed.start()
        await self.sellers_feed.start()

    async def stop(self) -> None:
        if self._starting is not None:
            self._starting.cancel()
            await asyncio.gather(self._starting, return_exceptions=True)
        for feed in self.feeds:
            await feed.stop()
        await self._producer.stop()

    @property
    def ready(self) -> bool:
        return all(feed.caught_up.is_set() for feed in self.feeds)

    def _report(self, topic: str, key: bytes | None, value: bytes) -> None:
        asyncio.ensure_future(self._producer.send(topic, value, key=key))

    async def _write_claim(self, item: QueueItem, reviewer_id: str, state: str, note: str = "") -> Claim | None:
        record = claim_record(item.review_id, reviewer_id, state, utc_now(), self.settings.console_claim_ttl_s, note)
        sent = await (await self._producer.send(topics.REVIEW_CLAIMS.name, orjson.dumps(record),
                                                key=item.review_id.encode()))
        await self.claims_feed.applied_past(TopicPartition(sent.topic, sent.partition), sent.offset)
        return self.state.claims.holder(item.review_id, utc_now())

    async def claim(self, item: QueueItem, reviewer_id: str) -> bool:
        """Claim the item for the reviewer (renewed when half its time is gone); False if another holds it."""
        now = utc_now()
        holder = self.state.claims.holder(item.review_id, now)
        if holder is not None and holder.state == ESCALATED:
            return True  # escalated items are open to whoever works the escalations
        if holder is not None and holder.reviewer_id != reviewer_id:
            return False
        if holder is not None and ((
                holder.expires_at is not None
                and (holder.expires_at - now).total_seconds() > self.settings.console_claim_ttl_s / 2)):
            return True
        holder = await self._write_claim(item, reviewer_id, CLAIMED)
        return holder is not None and holder.reviewer_id == reviewer_id

    async def decide(self, item: QueueItem, reviewer_id: str, action: str, note: str = "") -> Verdict:
        """Publish the reviewer's verdict (counterfeit, genuine) or escalate the item."""
        async with self._locks[item.review_id]:
            if item.decided is not None:
                return Verdict(item.decided, False)
            holder = self.state.claims.holder(item.review_id, utc_now())
            if holder is not None and holder.state == CLAIMED and holder.reviewer_id != reviewer_id:
                raise ItemTaken(f"{holder.reviewer_id} has this item open")
            if self.state.queue.superseded(item):
                raise ItemTaken("a newer revision of the listing replaced this item")
            if action not in VERDICTS:
                await self._write_claim(item, reviewer_id, ESCALATED, note)
                return Verdict(None, True)
            outcome = outcome_record(item.request, action, reviewer_id, utc_now(), note)
            await (await self._producer.send(topics.OUTCOMES.name, orjson.dumps(outcome),
                                             key=str(item.request["listing_id"]).encode()))
            self.state.record_outcome(outcome)
            # the item is decided: nobody holds it any more (a tombstone compacts the claim away)
            await self._producer.send(topics.REVIEW_CLAIMS.name, None, key=item.review_id.encode())
            log.info("%s: %s by %s", item.review_id, outcome["outcome"], reviewer_id)
            return Verdict(outcome, True)
