"""The review queue as reviewers see it: open requests, highest priority first.

Built from three streams applied in any order (``suspects.review``,
``listings.decisions`` and ``enforcement.outcomes``), so every console process
that reads them agrees on what is open. It guards against the two ways a
queue goes stale: a request already decided (an outcome names its decision),
and a request superseded because the marketplace reported a newer revision of
the listing (or a newer request for it arrived). Claims are another reader's
business (:mod:`pipeline.review.claims`); the queue only takes the ids to hide.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.timestamps import parse_timestamp

FILTERS = ("brand", "marketplace", "language")


@dataclass(slots=True)
class QueueItem:
    """One review request and what the queue knows about it."""

    request: dict[str, Any]
    revision: int | None = None  # from its decision record, once seen
    decided: dict[str, Any] | None = None  # the outcome that concluded it
    language: str | None = None  # guessed from the listing's text, once read

    @property
    def review_id(self) -> str:
        return str(self.request["review_id"])

    @property
    def listing_key(self) -> tuple[str, str]:
        return (str(self.request["marketplace"]), str(self.request["listing_id"]))

    @property
    def priority(self) -> float:
        return float(self.request["priority"])

    def facet(self, name: str) -> str:
        value = self.language if name == "language" else self.request.get(name)
        return value if isinstance(value, str) and value else "none"


@dataclass(slots=True)
class QueueSummary:
    """What the queue header shows: the open items' count, facets and the oldest one's age."""

    open: int
    shown: int
    oldest_age_s: float | None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


class ReviewQueue:
    """Open review requests, from the records of the three topics, in any order."""

    def __init__(self) -> None:
        self.items: dict[str, QueueItem] = {}
        self._latest: dict[tuple[str, str], tuple[int, str]] = {}  # listing -> (newest revision, its decision id)
        self._newest_request: dict[tuple[str, str], tuple[str, str]] = {}  # listing -> (requested_at, review id)
        self._revisions: dict[str, int] = {}  # decision id -> revision, for requests not seen yet
        self._outcomes: dict[str, dict[str, Any]] = {}  # decision id -> outcome, for requests not seen yet
        self.by_listing: dict[tuple[str, str], list[str]] = {}  # listing -> its review ids, oldest first

    def add_request(self, request: dict[str, Any]) -> QueueItem:
        item = self.items.get(request["review_id"])
        if item is None:
            item = self.items[request["review_id"]] = QueueItem(request)
            self.by_listing.setdefault(item.listing_key, []).append(item.review_id)
        item.revision = self._revisions.get(item.review_id, item.revision)
        item.decided = self._outcomes.get(item.review_id, item.decided)
        stamp = (str(request["requested_at"]), item.review_id)
        if stamp > self._newest_request.get(item.listing_key, ("", "")):
            self._newest_request[item.listing_key] = stamp
        return item

    def add_decision(self, decision: dict[str, Any]) -> None:
        """A decision names the listing's revision: a newer one supersedes older requests."""
        key = (str(decision["marketplace"]), str(decision["listing_id"]))
        revision = int(decision.get("revision", 0))
        self._revisions[decision["decision_id"]] = revision
        if revision >= self._latest.get(key, (-1, ""))[0]:
            self._latest[key] = (revision, decision["decision_id"])
        item = self.items.get(decision["decision_id"])
        if item is not None:
            item.revision = revision

    def add_outcome(self, outcome: dict[str, Any]) -> None:
        decision = outcome.get("decision_id")
        if not decision:
            return
        self._outcomes.setdefault(decision, outcome)
        item = self.items.get(decision)
        if item is not None and item.decided is None:
            item.decided = outcome

    def superseded(self, item: QueueItem) -> bool:
        latest = self._latest.get(item.listing_key)
        if latest is not None and item.revision is not None and latest[0] > item.revision:
            return True
        return self._newest_request.get(item.listing_key, ("", item.review_id))[1] != item.review_id

    def is_open(self, item: QueueItem) -> bool:
        return item.decided is None and not self.superseded(item)

    def open_items(self, filters: dict[str, str] | None = None, hidden: Container[str] = (),
                   ) -> list[QueueItem]:
        """Open items matching ``filters`` (brand, marketplace, language; "" means any), not
        ``hidden`` (claimed by others, escalated), highest priority first, then oldest first."""
        wanted = {k: v for k, v in (filters or {}).items() if k in FILTERS and v}
        chosen = [item for item in self.items.values()
                  if self.is_open(item) and item.review_id not in hidden
                  and all(item.facet(k) == v for k, v in wanted.items())]
        return sorted(chosen, key=order)

    def summary(self, filters: dict[str, str] | None, hidden: Container[str], now: datetime) -> QueueSummary:
        every = self.open_items(None, hidden)
        shown = self.open_items(filters, hidden)
        oldest = min((parse_timestamp(item.request["requested_at"]) for item in shown), default=None)
        return QueueSummary(len(every), len(shown), None if oldest is None else (now - oldest).total_seconds(),
                            facet_counts(every))

    def history(self, marketplace: str, listing_id: str) -> list[dict[str, Any]]:
        """Every concluded request of the listing: its earlier decisions by people or services."""
        items = (self.items[rid] for rid in self.by_listing.get((marketplace, listing_id), ()))
        return sorted((dict(item.decided, review_id=item.review_id) for item in items if item.decided is not None),
                      key=lambda o: str(o.get("decided_at", "")))

    def next_after(self, review_id: str, filters: dict[str, str] | None, hidden: Container[str],
                   step: int = 1) -> QueueItem | None:
        """The item ``step`` places after ``review_id`` in the filtered queue (wrapping), for j/k."""
        items = self.open_items(filters, hidden)
        ids = [item.review_id for item in items]
        if not items:
            return None
        if review_id not in ids:
            return items[0]
        return items[(ids.index(review_id) + step) % len(items)]


def order(item: QueueItem) -> tuple[float, str, str]:
    """Highest priority first; among equals the oldest request, then the id (a stable order)."""
    return (-item.priority, str(item.request["requested_at"]), item.review_id)


def facet_counts(items: Iterable[QueueItem], names: Iterable[str] = FILTERS) -> dict[str, dict[str, int]]:
    return {name: dict(Counter(item.facet(name) for item in items).most_common()) for name in names}

