"""Seller networks: accounts linked by the contact points and counterfeit images they share.

Counterfeiters open new accounts as fast as old ones are closed, but the new
account keeps the old phone number, payment account or product photos. Two
sellers that share such a point are treated as one actor; so are chains of
them (A shares a phone with B, B a payment account with C). That is a
connected-components problem, solved incrementally with union-find while the
stream runs, so the first listing of a new account is scored with what its
network has already done.

Built for a million sellers and several million points in every worker's
memory: nothing per entry is a Python object. Ids become 64-bit hashes in
:class:`pipeline.sellers.networks.hashindex.HashIndex` maps; per-point state is
numpy columns here, and per-seller state (union-find parents, sizes, takedown
counts, ids, each root's aggregates) is the :class:`pipeline.sellers.networks.unionfind.SellerForest`.
This module reads and writes them: which links join which sellers, and what a batch of listings reaches.

Components do not depend on the order links arrive in, nor do the aggregates
(sums and the worst members with a total order). One exception is deliberate:
a point shared by more than ``max_sellers_per_point`` sellers (a marketplace's
support number, a stock photo everyone copies) stops linking once it reaches
that many, and is ignored by lookups, so it cannot merge a crowd into one
network; which sellers made it in first depends on arrival order.

Links are never undone (union-find cannot split a set); the compacted
changelog of :mod:`pipeline.sellers.networks.changelog` is what a worker rebuilds state from.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipeline.sellers.networks.hashindex import MISSING, HashIndex, key_of, keys_of
from pipeline.sellers.networks.members import MemberCache, Members
from pipeline.sellers.networks.types import (
    Link,
    NetworkLookup,
    NetworkSummary,
    PointKind,
    PreparedBatch,
    PreparedPoints,
)
from pipeline.sellers.networks.unionfind import GROWTH, NO_SELLER, SellerForest, resized

IMAGE_SALT = 0x9E37_79B9_7F4A_7C15  # image points and contact points never share a key
_CONTACT, _IMAGE = PointKind.CONTACT.label, PointKind.IMAGE.label


class SellerNetworks:
    """Incremental connected components of sellers over shared points, with per-network aggregates.

    Writes: :meth:`link`, :meth:`link_batch` (learn from listings or from the changelog) and
    :meth:`record_confirmed` (a seller's confirmed takedowns: feed it every reputation record
    the :class:`pipeline.sellers.reputation.ReputationBook` gets). Reads: :meth:`lookup_batch`,
    :meth:`network_of`, :meth:`members`, :meth:`members_with_takedowns`, :meth:`same_network`.
    The hot path hashes a batch once with :meth:`prepare`, reads with :meth:`lookup_prepared`
    and learns with :meth:`link_prepared`, which returns the links for ``sellers.links``.
    Not thread-safe: one owner (the worker's event loop) calls it.
    """

    def __init__(self, max_sellers_per_point: int = 50, merge_at: int = 4096) -> None:
        if not 2 <= max_sellers_per_point <= 255:
            raise ValueError("max_sellers_per_point must be between 2 and 255")
        self.max_sellers_per_point = max_sellers_per_point
        self._seller_index = HashIndex(merge_at)
        self._point_index = HashIndex(merge_at)
        self._forest = SellerForest()  # per seller node
        self._points = 0
        # per point
        self._owner = np.empty(0, dtype=np.int32)  # a seller node holding the point
        self._point_kind = np.empty(0, dtype=np.uint8)
        self._point_sellers = np.empty(0, dtype=np.uint8)  # sellers it linked, up to the cap
        self._version = 0  # changes whenever a seller or point is added: prepared batches go stale
        self._members = MemberCache()

    # --- size ------------------------------------------------------------------------

    @property
    def sellers(self) -> int:
        return self._forest.count

    @property
    def points(self) -> int:
        return self._points

    @property
    def nbytes(self) -> int:
        """Bytes of all numpy arrays and the id pool (capacity, not just the used part)."""
        arrays = (self._owner, self._point_kind, self._point_sellers)
        return (self._forest.nbytes + sum(a.nbytes for a in arrays) + self._seller_index.nbytes
                + self._point_index.nbytes)

    # --- writes ----------------------------------------------------------------------

    def link(self, seller_id: str, points: Sequence[str], kind: PointKind = PointKind.CONTACT,
             seen_at: str | None = None) -> bool:
        """Associate a seller with points; True if that changed anything (a new seller-point
        association that joined or created a network)."""
        return bool(self.link_batch([seller_id], [points], kind, seen_at))

    def link_batch(self, seller_ids: Sequence[str], points: Sequence[Sequence[str]],
                   kind: PointKind = PointKind.CONTACT, seen_at: str | Sequence[str | None] | None = None) -> list[Link]:
        """Learn from a batch of listings: row i's seller holds row i's points. Returns the
        links that changed the state, in row order, for the compacted changelog.

        Known associations are recognised with vectorised lookups; points never seen before
        (most new links) are added in bulk; only links that join two networks, or points that
        appear twice in the batch, take the per-link path."""
        contacts, images = (points, None) if kind is PointKind.CONTACT else ([()] * len(seller_ids), points)
        return self.link_prepared(self.prepare(seller_ids, contacts, images), seen_at)

    def prepare(self, seller_ids: Sequence[str], contacts: Sequence[Sequence[str]],
                images: Sequence[Sequence[str]] | None = None) -> PreparedBatch:
        """Hash and resolve a batch's sellers and points once, for :meth:`lookup_prepared` and then
        :meth:`link_prepared` (the hot path does both for every batch)."""
        n = len(seller_ids)
        seller_keys = keys_of(seller_ids, n)
        parts = []
        for lists, kind in ((contacts, PointKind.CONTACT), (images, PointKind.IMAGE)):
            if lists is None:
                continue
            counts = np.fromiter(map(len, lists), dtype=np.int64, count=n)
            total = int(counts.sum())
            if not total:
                continue
            flat = [p for row in lists for p in row]
            keys = keys_of(flat, total)
            if kind is PointKind.IMAGE:
                keys ^= np.uint64(IMAGE_SALT)
            parts.append(PreparedPoints(kind, np.repeat(np.arange(n), counts), flat, keys,
                                        self._point_index.get_batch(keys)))
        return PreparedBatch(seller_ids, seller_keys, self._seller_index.get_batch(seller_keys), tuple(parts),
                             self._version)

    def link_prepared(self, batch: PreparedBatch, seen_at: str | Sequence[str | None] | None = None) -> list[Link]:
        """:meth:`link_batch` for a prepared batch: contacts first, then images."""
        links: list[Link] = []
        for part in batch.points:
            if batch.version == self._version:
                nodes, slots = batch.nodes, part.slots
            else:  # the state has new sellers or points since: resolve again (hashes are kept)
                nodes = self._seller_index.get_batch(batch.seller_keys)
                slots = self._point_index.get_batch(part.keys)
            links += self._link_part(batch.seller_ids, batch.seller_keys, nodes, part, slots, seen_at)
        return links

    def _link_part(self, seller_ids: Sequence[str], seller_keys: np.ndarray, seller_nodes: np.ndarray,
                   part: PreparedPoints, slots: np.ndarray, seen_at: str | Sequence[str | None] | None) -> list[Link]:
        rows, point_keys, kind = part.rows, part.keys, part.kind
        nodes = seller_nodes[rows]
        fresh = slots == MISSING
        if fresh.any():  # a new point held once in the batch: no union, just a new slot
            _, first, times = np.unique(point_keys[fresh], return_index=True, return_counts=True)
            once = np.zeros(fresh.size, dtype=bool)
            once[np.flatnonzero(fresh)[first[times == 1]]] = True
        else:
            once = fresh
        todo = fresh & ~once
        settled = np.flatnonzero(~fresh)
        if settled.size:
            known = nodes[settled] != MISSING
            todo[settled[~known]] = True  # a new seller using a known point
            settled = settled[known]
            owner_roots = self._forest.find_many(self._owner[slots[settled]])
            apart = (self._forest.find_many(nodes[settled]) != owner_roots) & (
                self._point_sellers[slots[settled]] < self.max_sellers_per_point)
            todo[settled[apart]] = True
        done = np.flatnonzero(once)
        if done.size:
            self._add_points(seller_ids, seller_keys, rows[done], point_keys[done], kind)
        changed = [j for j in np.flatnonzero(todo).tolist()
                   if self._link_one(seller_ids[rows[j]], int(seller_keys[rows[j]]), int(point_keys[j]), kind)]
        if not changed and not done.size:
            return []
        stamps = seen_at if isinstance(seen_at, Sequence) and not isinstance(seen_at, str) else None
        linked = sorted([*done.tolist(), *changed])
        flat = part.flat
        return [Link(seller_ids[row], flat[j], kind, stamps[row] if stamps is not None else seen_at)
                for j, row in zip(linked, rows[linked].tolist())]

    def _add_points(self, seller_ids: Sequence[str], seller_keys: np.ndarray, rows: np.ndarray,
                    keys: np.ndarray, kind: PointKind) -> None:
        """New points, each held by the seller of its row; sellers not yet known are added."""
        self._version += 1
        owners = self._seller_index.get_batch(seller_keys[rows])
        missing = owners == MISSING
        if missing.any():
            _, first = np.unique(seller_keys[rows[missing]], return_index=True)
            unique_rows = rows[missing][first]
            created = self._add_sellers([seller_ids[r] for r in unique_rows.tolist()], seller_keys[unique_rows])
            lookup = dict(zip(seller_keys[unique_rows].tolist(), created.tolist()))
            owners[missing] = [lookup[k] for k in seller_keys[rows[missing]].tolist()]
        start = self._points
        end = start + keys.size
        if end > self._owner.size:
            self._grow_points(max(1024, int(end * GROWTH)))
        self._owner[start:end] = owners
        self._point_kind[start:end] = int(kind)
        self._point_sellers[start:end] = 1
        self._points = end
        self._point_index.put_new(keys, np.arange(start, end, dtype=np.int32))
        roots = self._forest.find_many(owners)
        self._forest.kinds[roots] |= np.uint8(int(kind))

    def _add_sellers(self, seller_ids: list[str], keys: np.ndarray) -> np.ndarray:
        """Sellers known to be absent, each alone in its own network; their node numbers."""
        self._version += 1
        nodes = self._forest.add(seller_ids)
        self._seller_index.put_new(keys, nodes)
        return nodes

    def record_confirmed(self, seller_id: str, count: int) -> None:
        """Set a seller's confirmed takedowns (an absolute count, so replays are harmless)."""
        count = max(0, int(count))
        key = key_of(seller_id)
        node = self._seller_index.get(key)
        if node == MISSING:
            if count == 0:
                return
            node = self._new_seller(seller_id, key)
        self._forest.set_confirmed(node, count)

    # --- reads -----------------------------------------------------------------------

    def lookup_batch(self, seller_ids: Sequence[str], contacts: Sequence[Sequence[str]],
                     images: Sequence[Sequence[str]] | None = None) -> NetworkLookup:
        """For each listing, what the accounts linked to its seller have done.

        A listing reaches the networks of its seller and of each of its points (so a
        brand-new account's first listing already finds the network its phone number
        belongs to). Counts are of the other accounts: the seller's own takedowns are
        left out, and the linked seller shown is never the seller itself."""
        return self.lookup_prepared(self.prepare(seller_ids, contacts, images))

    def lookup_prepared(self, batch: PreparedBatch) -> NetworkLookup:
        """:meth:`lookup_batch` for a prepared batch."""
        n = len(batch.seller_ids)
        takedowns = np.zeros(n, dtype=np.int64)
        accounts = np.zeros(n, dtype=np.int64)
        linked_takedowns = np.zeros(n, dtype=np.int64)
        linked: list[str | None] = [None] * n
        kinds: list[str | None] = [None] * n
        forest = self._forest
        if not forest.count or not n:
            return NetworkLookup(takedowns, accounts, linked, linked_takedowns, kinds)
        if batch.version != self._version:
            batch = batch._replace(nodes=self._seller_index.get_batch(batch.seller_keys), points=tuple(
                part._replace(slots=self._point_index.get_batch(part.keys)) for part in batch.points))
        own = batch.nodes
        point_rows, point_nodes, point_kinds = self._reached(batch.points)
        known = np.flatnonzero(own != MISSING)
        rows = np.concatenate([known, point_rows])
        reached = np.concatenate([own[known], point_nodes])
        if not rows.size:
            return NetworkLookup(takedowns, accounts, linked, linked_takedowns, kinds)
        roots = forest.find_many(reached)
        pairs = np.unique((rows.astype(np.int64) << 32) | roots.astype(np.int64))
        pair_rows, pair_roots = pairs >> 32, (pairs & 0xFFFF_FFFF).astype(np.int32)
        np.add.at(takedowns, pair_rows, forest.total[pair_roots])
        np.add.at(accounts, pair_rows, forest.size[pair_roots])
        takedowns[known] -= forest.confirmed[own[known]]
        accounts[known] -= 1
        chosen_rows, chosen, chosen_roots = forest.worst_others(pair_rows, pair_roots, own)
        if chosen.size:
            masks = self._kinds_reaching(chosen_rows, chosen_roots, point_rows, roots[known.size:], point_kinds)
            linked_takedowns[chosen_rows] = forest.confirmed[chosen]
            for row, node, mask in zip(chosen_rows.tolist(), chosen.tolist(), masks.tolist()):
                linked[row] = forest.seller_id(node)
                kinds[row] = _CONTACT if mask & PointKind.CONTACT else _IMAGE
        return NetworkLookup(takedowns, accounts, linked, linked_takedowns, kinds)

    def _kinds_reaching(self, rows: np.ndarray, roots: np.ndarray, point_rows: np.ndarray,
                        point_roots: np.ndarray, point_kinds: np.ndarray) -> np.ndarray:
        """For each (row, root): the kinds of the row's own points in that network; where it has
        none there (its seller is a member), the kinds that link the network."""
        masks = self._forest.kinds[roots].astype(np.uint8)
        if not point_rows.size:
            return masks
        keys = (point_rows.astype(np.int64) << 32) | point_roots.astype(np.int64)
        order = np.argsort(keys, kind="stable")
        keys, sorted_kinds = keys[order], point_kinds[order]
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        unique_keys, unique_masks = keys[starts], np.bitwise_or.reduceat(sorted_kinds, starts)
        wanted = (rows.astype(np.int64) << 32) | roots.astype(np.int64)
        at = np.minimum(np.searchsorted(unique_keys, wanted), unique_keys.size - 1)
        found = unique_keys[at] == wanted
        masks[found] = unique_masks[at[found]]
        return masks

    def network_of(self, seller_id: str) -> NetworkSummary | None:
        node = self._seller_index.get(key_of(seller_id))
        if node == MISSING:
            return None
        forest = self._forest
        root = forest.find(node)
        worst = int(forest.worst[root])
        mask = int(forest.kinds[root])
        return NetworkSummary(
            int(forest.size[root]), int(forest.total[root]),
            None if worst == NO_SELLER else forest.seller_id(worst),
            0 if worst == NO_SELLER else int(forest.confirmed[worst]),
            tuple(k.label for k in PointKind if mask & k),
        )

    def members(self, seller_id: str, limit: int = 100) -> list[str]:
        """Up to ``limit`` accounts of the seller's network (itself included), most confirmed
        takedowns first, then by id: the same answer whatever order links arrived in."""
        return [seller for seller, _ in self.members_with_takedowns(seller_id, limit)]

    def members_with_takedowns(self, seller_id: str, limit: int = 100) -> list[tuple[str, int]]:
        """:meth:`members` with each account's confirmed takedowns."""
        members = self._members_of(seller_id)
        return [] if members is None else members.ranked(self._forest.confirmed, limit)

    def ranked_positions(self, seller_id: str) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
        """:meth:`member_ids`, the positions in it in :meth:`members` order, and their takedowns."""
        members = self._members_of(seller_id)
        if members is None:
            return (), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return (members.ids, *members.order(self._forest.confirmed))

    def member_ids(self, seller_id: str) -> tuple[str, ...]:
        """Every account of the seller's network (itself included), unranked: the same tuple
        while the network keeps its size (:mod:`pipeline.sellers.networks.members`)."""
        members = self._members_of(seller_id)
        return () if members is None else members.ids

    def _members_of(self, seller_id: str) -> Members | None:
        node = self._seller_index.get(key_of(seller_id))
        return None if node == MISSING else self._members.of(self._forest, self._forest.find(node))

    def same_network(self, a: str, b: str) -> bool:
        na, nb = self._seller_index.get(key_of(a)), self._seller_index.get(key_of(b))
        return na != MISSING and nb != MISSING and self._forest.find(na) == self._forest.find(nb)

    def merge_pending(self) -> None:
        """Fold recently added keys into the main sorted arrays (done on its own as they grow)."""
        self._seller_index.merge(everything=True)
        self._point_index.merge(everything=True)

    # --- internals -------------------------------------------------------------------

    def _reached(self, parts: tuple[PreparedPoints, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, seller node, kind) for every listing point the state knows and that still links."""
        rows, nodes, kinds = [], [], []
        for part in parts:
            slots = part.slots
            usable = slots != MISSING
            usable[usable] = self._point_sellers[slots[usable]] < self.max_sellers_per_point
            rows.append(part.rows[usable])
            nodes.append(self._owner[slots[usable]])
            kinds.append(np.full(int(usable.sum()), int(part.kind), dtype=np.uint8))
        if not rows:
            return np.empty(0, np.int64), np.empty(0, np.int32), np.empty(0, np.uint8)
        return np.concatenate(rows), np.concatenate(nodes), np.concatenate(kinds)

    def _link_one(self, seller_id: str, seller_key: int, point_key: int, kind: PointKind) -> bool:
        forest = self._forest
        node = self._seller_index.get(seller_key)
        if node == MISSING:
            node = self._new_seller(seller_id, seller_key)
        slot = self._point_index.get(point_key)
        if slot == MISSING:
            self._new_point(point_key, node, kind)
            root = forest.find(node)
            forest.kinds[root] |= int(kind)
            return True
        if self._point_sellers[slot] >= self.max_sellers_per_point:
            return False
        a, b = forest.find(node), forest.find(int(self._owner[slot]))
        if a == b:
            return False
        self._point_sellers[slot] += 1
        forest.union(a, b, int(kind))
        return True

    def _new_seller(self, seller_id: str, key: int) -> int:
        self._version += 1
        node = self._forest.add_one(seller_id)
        self._seller_index.put(key, node)
        return node

    def _new_point(self, key: int, owner: int, kind: PointKind) -> None:
        self._version += 1
        slot = self._points
        if slot == self._owner.size:
            self._grow_points(max(1024, int(slot * GROWTH)))
        self._owner[slot] = owner
        self._point_kind[slot] = int(kind)
        self._point_sellers[slot] = 1
        self._points += 1
        self._point_index.put(key, slot)

    def _grow_points(self, capacity: int) -> None:
        self._owner = resized(self._owner, capacity)
        self._point_kind = resized(self._point_kind, capacity)
        self._point_sellers = resized(self._point_sellers, capacity)
