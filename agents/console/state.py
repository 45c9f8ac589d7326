"""Everything the console shows, kept current from the topics it reads.

One object per console process, fed by :mod:`agents.console.feeds`: the
review queue with its decisions and outcomes, the listings its open items
name, the claims of every console, each brand's numbers and the seller
state the seller view reads (as the workers follow it). Records that are not
what their topic's contract says are skipped here; the console's own claims
topic is the console's to police, so a bad claim goes to the dead-letter
topic with its reason, as a bad listing does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from aiokafka import ConsumerRecord

from pipeline import topics
from pipeline.intake.validation import decode_object, validator
from pipeline.records import deadletter_record
from pipeline.review.brands import BrandBook
from pipeline.review.card import language_of, listing_summary
from pipeline.review.claims import ClaimBook, parse_claim
from pipeline.review.listings import ListingStore
from pipeline.review.queue import QueueItem, ReviewQueue
from pipeline.sellers.state import SellerState
from pipeline.timestamps import format_timestamp, utc_now
from pipeline.types import Rejection

log = logging.getLogger(__name__)
MAX_RECORD_BYTES = 1_048_576
_REQUEST = validator("review_request.v1.json")
_OUTCOME = validator("enforcement_outcome.v1.json")
_CLAIM = validator("review_claim.v1.json")

Report = Callable[[str, bytes | None, bytes], None]  # topic, key, value: sent without waiting


class ConsoleState:
    """The queue, listings, claims, brand numbers and sellers one console process knows."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.queue = ReviewQueue()
        self.listings = ListingStore()
        self.claims = ClaimBook()
        self.brands = BrandBook()
        # decision id -> decision, while its review item is open: what its card shows
        self.decisions: dict[str, dict[str, Any]] = {}
        # listing -> its automated decisions in brief, for listings that went to review: their history
        self.history: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.sellers_wanted: set[str] = set()
        self.sellers = SellerState(keep_details=lambda seller: seller in self.sellers_wanted)

    # --- suspects.review, listings.decisions, enforcement.outcomes --------------------------

    def on_request(self, message: ConsumerRecord) -> None:
        request = decode_object(message.value, MAX_RECORD_BYTES, _REQUEST)
        if isinstance(request, Rejection):
            log.warning("%s[%d]@%d is not a review request, skipped: %s", message.topic, message.partition,
                        message.offset, request.detail)
            return
        item = self.queue.add_request(request)
        if item.decided is None:
            self.listings.pin(item.listing_key)
            self.sellers_wanted.add(str(request["seller_id"]))
        self._language(item)

    def on_decision(self, message: ConsumerRecord) -> None:
        decision = orjson.loads(message.value) if message.value is not None else None
        if not isinstance(decision, dict) or "decision_id" not in decision:
            return
        self.queue.add_decision(decision)
        self.brands.add_decision(decision)
        key = (str(decision.get("marketplace")), str(decision.get("listing_id")))
        # a review decision's request follows it by milliseconds; any other decision matters only for
        # a listing that was (or is) in the queue. Everything else is counted, not kept.
        if decision.get("route") == "review" or key in self.queue.by_listing:
            item = self.queue.items.get(decision["decision_id"])
            if item is None or item.decided is None:
                self.decisions[decision["decision_id"]] = decision
            self.history.setdefault(key, []).append({
                name: decision.get(name) for name in ("decision_id", "revision", "route", "score", "decided_at",
                                                      "rules_version")})

    def on_outcome(self, message: ConsumerRecord) -> None:
        outcome = decode_object(message.value, MAX_RECORD_BYTES, _OUTCOME)
        if isinstance(outcome, Rejection):  # the feedback workers dead-letter it
            return
        self.record_outcome(outcome)

    def record_outcome(self, outcome: dict[str, Any]) -> None:
        """An outcome read back, or just published by this process (so its queue moves at once)."""
        self.queue.add_outcome(outcome)
        self.brands.add_outcome(outcome)
        item = self.queue.items.get(str(outcome.get("decision_id")))
        if item is not None:
            self.listings.unpin(item.listing_key)
            self.claims.forget(item.review_id)
            self.decisions.pop(item.review_id, None)  # its brief stays in the listing's history

    # --- listings.raw ------------------------------------------------------------------------

    def on_listing(self, message: ConsumerRecord) -> None:
        if message.value is None or len(message.value) > MAX_RECORD_BYTES:
            return
        try:
            raw = orjson.loads(message.value)
        except orjson.JSONDecodeError:  # the scan workers dead-letter it
            return
        if not isinstance(raw, dict) or not isinstance(raw.get("listing_id"), str):
            return
        key = (str(raw.get("marketplace")), raw["listing_id"])
        self.listings.add(key, listing_summary(raw))
        for review_id in self.queue.by_listing.get(key, ()):
            self._language(self.queue.items[review_id])

    def _language(self, item: QueueItem) -> None:
        summary = self.listings.get(item.listing_key)
        if summary is not None:
            item.language = language_of(summary)

    # --- console.claims ----------------------------------------------------------------------

    def on_claim(self, message: ConsumerRecord) -> None:
        if message.value is None:
            if message.key is not None:
                self.claims.forget(message.key.decode(errors="replace"))
            return
        record = decode_object(message.value, MAX_RECORD_BYTES, _CLAIM)
        if isinstance(record, Rejection):
            log.error("%s[%d]@%d is not a claim, dead-lettered: %s", message.topic, message.partition,
                      message.offset, record.detail)
            self.report(topics.DEADLETTER.name, message.key, orjson.dumps(deadletter_record(
                record, topic=message.topic, partition=message.partition, offset=message.offset, key=message.key,
                value=message.value, failed_at=format_timestamp(utc_now()))))
            return
        item = self.queue.items.get(record["review_id"])
        if item is not None and item.decided is not None:
            return  # decided already: a late claim holds nothing
        self.claims.apply(parse_claim(record))

    # --- sellers.reputation, sellers.links -----------------------------------------------------

    def on_reputation(self, message: ConsumerRecord) -> None:
        self.sellers.apply_reputation(message.key, message.value)

    def on_link(self, message: ConsumerRecord) -> None:
        self.sellers.apply_link(message.key, message.value)

    def hidden_from(self, reviewer_id: str, now: datetime) -> set[str]:
        return self.claims.hidden_from(reviewer_id, now)
