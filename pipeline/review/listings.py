"""The listings a console must be able to show, kept without holding all of ``listings.raw``.

Review requests name a listing but carry none of its text, so the console
reads the raw listings too. It cannot keep them all (ten million a day), and
does not need to: a request follows its listing by seconds. The store keeps
the newest revision of every listing that has an open request (pinned), and
a bounded window of the most recent others, from which a request arriving
later pins its listing. Anything older than the window that was never asked
for is dropped first.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

ListingKey = tuple[str, str]  # (marketplace, listing id)
RECENT = 50_000


class ListingStore:
    """Newest summary per listing: pinned ones kept, the rest in a bounded recent window."""

    def __init__(self, recent: int = RECENT) -> None:
        self.recent_limit = recent
        self.pinned: dict[ListingKey, dict[str, Any]] = {}
        self.wanted: set[ListingKey] = set()
        self.recent: OrderedDict[ListingKey, dict[str, Any]] = OrderedDict()

    def add(self, key: ListingKey, summary: dict[str, Any]) -> None:
        """A raw listing's summary; an older revision than the one kept changes nothing."""
        current = self.get(key)
        if current is not None and int(current.get("revision") or 0) > int(summary.get("revision") or 0):
            return
        if key in self.wanted:
            self.pinned[key] = summary
            return
        self.recent[key] = summary
        self.recent.move_to_end(key)
        while len(self.recent) > self.recent_limit:
            self.recent.popitem(last=False)

    def pin(self, key: ListingKey) -> None:
        """An open request names this listing: keep it, whenever it is (or was) read."""
        self.wanted.add(key)
        if key in self.recent:
            self.pinned[key] = self.recent.pop(key)

    def unpin(self, key: ListingKey) -> None:
        """No open request names it any more: it may age out like any other."""
        self.wanted.discard(key)
        summary = self.pinned.pop(key, None)
        if summary is not None:
            self.add(key, summary)

    def get(self, key: ListingKey) -> dict[str, Any] | None:
        return self.pinned.get(key) or self.recent.get(key)
