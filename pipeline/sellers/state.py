"""What a process knows of sellers, rebuilt from the two compacted seller topics.

``sellers.reputation`` gives each seller's confirmed takedowns, ``sellers.links``
the points sellers share. The scan worker, the feedback worker and the
``counterscan seller`` command all apply the same records the same way, so a
network's takedown total is the same wherever it is read: every reputation
record reaches the networks too, not just the reputation book.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import orjson

from pipeline.sellers.feedback import STRIKES, strike_outcomes
from pipeline.sellers.networks.changelog import parse_link
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.networks.linklog import LinkLog
from pipeline.sellers.networks.types import Link, PointKind
from pipeline.sellers.reputation import ReputationBook, SellerReputation
from pipeline.sellers.strike_index import FollowedStrikes
from pipeline.types import Reason, Rejection


class SellerState:
    """Reputation counts, networks and the links behind them. ``keep_details`` picks the
    sellers whose full reputation record is kept (a worker keeps none: millions of records
    would not fit; the query command keeps the ones it shows). :meth:`track_strikes` also
    keeps the recent strikes, with their listings, of every seller that has any: what a
    repeat-infringer recommendation cites for the accounts linked to a seller."""

    def __init__(self, networks: SellerNetworks | None = None,
                 keep_details: Callable[[str], bool] | None = None) -> None:
        self.reputation = ReputationBook()
        self.networks = networks if networks is not None else SellerNetworks()
        self.links = LinkLog()
        self.details: dict[str, SellerReputation] = {}
        self.keep_details = keep_details
        self.strikes: FollowedStrikes | None = None

    def track_strikes(self) -> None:
        """Keep strikes from the reputation records applied from now on (call before following)."""
        if self.strikes is None:
            self.strikes = FollowedStrikes()

    def apply_reputation(self, key: bytes | None, value: bytes | None) -> None:
        """One sellers.reputation record: a seller's latest state, or a tombstone (no outcomes)."""
        if key is None:
            return
        if value is None:
            seller_id = key.decode()
            self.reputation.remove(seller_id)
            self.networks.record_confirmed(seller_id, 0)
            self.details.pop(seller_id, None)
            if self.strikes is not None:
                self.strikes.pop(seller_id, None)
            return
        data = orjson.loads(value)
        record = SellerReputation.from_dict(data)
        if self.strikes is not None:
            strikes = strike_outcomes(record.seller_id, data.get(STRIKES, ()))
            if strikes:
                self.strikes[record.seller_id] = strikes
            else:
                self.strikes.pop(record.seller_id, None)
        self.reputation.put(record)
        self.networks.record_confirmed(record.seller_id, record.confirmed_takedowns)
        if self.keep_details is not None and self.keep_details(record.seller_id):
            self.details[record.seller_id] = record

    def apply_link(self, key: bytes | None, value: bytes | None) -> Rejection | None:
        """One sellers.links record; see :meth:`apply_links`."""
        return self.apply_links([(key, value)]).get(0)

    def apply_links(self, records: Sequence[tuple[bytes | None, bytes | None]]) -> dict[int, Rejection]:
        """sellers.links records, a fetch at a time: the networks learn them with one vectorised
        call per kind (one call per record costs several times more, and a restarted worker
        reads millions). Every link is logged, also one the networks already had (this process
        may have learned it first); a tombstone changes nothing, since links are never undone.
        Returns the records that are not links, by index, to be reported."""
        rejected: dict[int, Rejection] = {}
        links: list[Link] = []
        for index, (key, value) in enumerate(records):
            if value is None:
                continue
            link = parse_link(value)
            if isinstance(link, Rejection):
                rejected[index] = link
            elif key is not None and not key.startswith(f"{link.seller_id}|".encode()):
                rejected[index] = Rejection(Reason.SCHEMA_VIOLATION, "key does not name the link's seller")
            else:
                links.append(link)
        for kind in PointKind:
            chosen = [link for link in links if link.kind is kind]
            if chosen:
                self.networks.link_batch([link.seller_id for link in chosen], [(link.point,) for link in chosen],
                                         kind, [link.first_seen_at for link in chosen])
        self.links.add(links)
        return rejected
