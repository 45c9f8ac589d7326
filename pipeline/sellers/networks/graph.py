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
:class:`pipeline.sellers.networks.hashindex.HashIndex` maps; per-seller and per-point state are
numpy columns (int32 parents, sizes, takedown counts), and seller ids are kept
as bytes in one pool so a network can name its members. Each network root
keeps its members' total confirmed takedowns and its two "worst" members (most
takedowns, ties to the smaller id), so a listing's seller can always be shown
another seller of the network, never itself.

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
from enum import IntEnum
from typing import NamedTuple

import numpy as np

from pipeline.sellers.networks.hashindex import MISSING, HashIndex, key_of, keys_of

IMAGE_SALT = 0x9E37_79B9_7F4A_7C15  # image points and contact points never share a key
NO_SELLER = -1
GROWTH = 1.5


class PointKind(IntEnum):
    """What two sellers share. Bit flags, so a network can record every kind linking it."""

    CONTACT = 1
    IMAGE = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> PointKind:
        return cls[text.upper()]


_CONTACT, _IMAGE = PointKind.CONTACT.label, PointKind.IMAGE.label


def point_key(point: str, kind: PointKind) -> int:
    key = key_of(point)
    return key ^ IMAGE_SALT if kind is PointKind.IMAGE else key


class NetworkSummary(NamedTuple):
    """One network as a reviewer reads it."""

    size: int  # accounts in the network
    confirmed_takedowns: int  # of all members together
    worst_seller: str | None  # the member with the most confirmed takedowns (None if nobody has any)
    worst_takedowns: int
    kinds: tuple[str, ...]  # what links its members: "contact", "image"


class NetworkLookup(NamedTuple):
    """Row i answers for listing i; ``linked_seller`` and ``kind`` are None where nothing links."""

    takedowns: np.ndarray  # int64: confirmed takedowns of the other accounts the listing's seller is linked to
    accounts: np.ndarray  # int64: how many other accounts it is linked to
    linked_seller: list[str | None]  # the linked account with the most confirmed takedowns
    linked_takedowns: np.ndarray  # int64: that account's confirmed takedowns
    kind: list[str | None]  # how the listing reaches that account: "contact" or "image"


class Link(NamedTuple):
    """A seller-to-point association that changed the state: what goes to the changelog."""

    seller_id: str
    point: str
    kind: PointKind
    first_seen_at: str | None


class _Points(NamedTuple):
    kind: PointKind
    rows: np.ndarray  # listing row of each point
    flat: list[str]
    keys: np.ndarray
    slots: np.ndarray  # as resolved when prepared; MISSING for points not known then


class PreparedBatch(NamedTuple):
    """A batch's sellers and points, hashed and resolved against the state at ``version``."""

    seller_ids: Sequence[str]
    seller_keys: np.ndarray
    nodes: np.ndarray  # MISSING for sellers not known then
    points: tuple[_Points, ...]
    version: int


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
        self._sellers = 0
        self._points = 0
        # per seller node; the aggregates (size, total, worst, second, kinds) are valid at roots
        self._parent = np.empty(0, dtype=np.int32)
        self._size = np.empty(0, dtype=np.int32)
        self._next = np.empty(0, dtype=np.int32)  # circular list of each network's members
        self._confirmed = np.empty(0, dtype=np.int32)
        self._total = np.empty(0, dtype=np.int64)
        self._worst = np.empty(0, dtype=np.int32)
        self._second = np.empty(0, dtype=np.int32)
        self._kinds = np.empty(0, dtype=np.uint8)
        self._id_end = np.empty(0, dtype=np.int64)  # seller i's id is pool[id_end[i-1]:id_end[i]]
        self._pool = bytearray()
        # per point
        self._owner = np.empty(0, dtype=np.int32)  # a seller node holding the point
        self._point_kind = np.empty(0, dtype=np.uint8)
        self._point_sellers = np.empty(0, dtype=np.uint8)  # sellers it linked, up to the cap
        self._version = 0  # changes whenever a seller or point is added: prepared batches go stale

    # --- size ------------------------------------------------------------------------

    @property
    def sellers(self) -> int:
        return self._sellers

    @property
    def points(self) -> int:
        return self._points

    @property
    def nbytes(self) -> int:
        """Bytes of all numpy arrays and the id pool (capacity, not just the used part)."""
        arrays = (self._parent, self._size, self._next, self._confirmed, self._total, self._worst, self._second,
                  self._kinds, self._id_end, self._owner, self._point_kind, self._point_sellers)
        return (sum(a.nbytes for a in arrays) + len(self._pool) + self._seller_index.nbytes
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
            parts.append(_Points(kind, np.repeat(np.arange(n), counts), flat, keys, self._point_index.get_batch(keys)))
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
                   part: _Points, slots: np.ndarray, seen_at: str | Sequence[str | None] | None) -> list[Link]:
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
            owner_roots = self._find_many(self._owner[slots[settled]])
            apart = (self._find_many(nodes[settled]) != owner_roots) & (
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
            capacity = max(1024, int(end * GROWTH))
            self._owner = _resized(self._owner, capacity)
            self._point_kind = _resized(self._point_kind, capacity)
            self._point_sellers = _resized(self._point_sellers, capacity)
        self._owner[start:end] = owners
        self._point_kind[start:end] = int(kind)
        self._point_sellers[start:end] = 1
        self._points = end
        self._point_index.put_new(keys, np.arange(start, end, dtype=np.int32))
        roots = self._find_many(owners)
        self._kinds[roots] |= np.uint8(int(kind))

    def _add_sellers(self, seller_ids: list[str], keys: np.ndarray) -> np.ndarray:
        """Sellers known to be absent, each alone in its own network; their node numbers."""
        self._version += 1
        start = self._sellers
        end = start + len(seller_ids)
        if end > self._parent.size:
            self._grow_sellers(end)
        nodes = np.arange(start, end, dtype=np.int32)
        self._parent[start:end] = self._next[start:end] = nodes
        self._size[start:end] = 1
        self._confirmed[start:end] = 0
        self._total[start:end] = 0
        self._worst[start:end] = self._second[start:end] = NO_SELLER
        self._kinds[start:end] = 0
        encoded = [s.encode() for s in seller_ids]
        self._id_end[start:end] = len(self._pool) + np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)))
        self._pool += b"".join(encoded)
        self._sellers = end
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
        before = int(self._confirmed[node])
        if count == before:
            return
        self._confirmed[node] = count
        root = self._find(node)
        self._total[root] += count - before
        if count > before:
            self._top_two(root, (int(self._worst[root]), int(self._second[root]), node))
        elif node in (int(self._worst[root]), int(self._second[root])):
            self._top_two(root, self._member_nodes(root))

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
        if not self._sellers or not n:
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
        roots = self._find_many(reached)
        pairs = np.unique((rows.astype(np.int64) << 32) | roots.astype(np.int64))
        pair_rows, pair_roots = pairs >> 32, (pairs & 0xFFFF_FFFF).astype(np.int32)
        np.add.at(takedowns, pair_rows, self._total[pair_roots])
        np.add.at(accounts, pair_rows, self._size[pair_roots])
        takedowns[known] -= self._confirmed[own[known]]
        accounts[known] -= 1
        chosen_rows, chosen, chosen_roots = self._worst_others(pair_rows, pair_roots, own)
        if chosen.size:
            masks = self._kinds_reaching(chosen_rows, chosen_roots, point_rows, roots[known.size:], point_kinds)
            linked_takedowns[chosen_rows] = self._confirmed[chosen]
            for row, node, mask in zip(chosen_rows.tolist(), chosen.tolist(), masks.tolist()):
                linked[row] = self._seller_id(node)
                kinds[row] = _CONTACT if mask & PointKind.CONTACT else _IMAGE
        return NetworkLookup(takedowns, accounts, linked, linked_takedowns, kinds)

    def _worst_others(self, pair_rows: np.ndarray, pair_roots: np.ndarray,
                      own: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row, the account with the most confirmed takedowns among the networks it reaches,
        never the row's own seller (ties go to the smaller id): (rows, nodes, their roots)."""
        worst = self._worst[pair_roots]
        candidate = np.where(worst == own[pair_rows], self._second[pair_roots], worst)
        valid = candidate != NO_SELLER
        rows, nodes, roots = pair_rows[valid], candidate[valid], pair_roots[valid]
        if not rows.size:
            return rows, nodes, roots
        confirmed = self._confirmed[nodes]
        order = np.lexsort((-confirmed, rows))
        rows, nodes, roots, confirmed = rows[order], nodes[order], roots[order], confirmed[order]
        first = np.ones(rows.size, dtype=bool)
        first[1:] = rows[1:] != rows[:-1]
        tied = np.zeros(rows.size, dtype=bool)
        tied[:-1] = (rows[1:] == rows[:-1]) & (confirmed[1:] == confirmed[:-1])
        for at in np.flatnonzero(first & tied).tolist():  # rare: equal records in two networks
            end = at
            while end + 1 < rows.size and rows[end + 1] == rows[at] and confirmed[end + 1] == confirmed[at]:
                end += 1
            best = at + min(range(end - at + 1), key=lambda k: self._seller_id(int(nodes[at + k])))
            nodes[at], roots[at] = nodes[best], roots[best]
        return rows[first], nodes[first], roots[first]

    def _kinds_reaching(self, rows: np.ndarray, roots: np.ndarray, point_rows: np.ndarray,
                        point_roots: np.ndarray, point_kinds: np.ndarray) -> np.ndarray:
        """For each (row, root): the kinds of the row's own points in that network; where it has
        none there (its seller is a member), the kinds that link the network."""
        masks = self._kinds[roots].astype(np.uint8)
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
        root = self._find(node)
        worst = int(self._worst[root])
        mask = int(self._kinds[root])
        return NetworkSummary(
            int(self._size[root]), int(self._total[root]),
            None if worst == NO_SELLER else self._seller_id(worst),
            0 if worst == NO_SELLER else int(self._confirmed[worst]),
            tuple(k.label for k in PointKind if mask & k),
        )

    def members(self, seller_id: str, limit: int = 100) -> list[str]:
        """Up to ``limit`` accounts of the seller's network (itself included), most confirmed
        takedowns first, then by id: the same answer whatever order links arrived in."""
        return [seller for seller, _ in self.members_with_takedowns(seller_id, limit)]

    def members_with_takedowns(self, seller_id: str, limit: int = 100) -> list[tuple[str, int]]:
        """:meth:`members` with each account's confirmed takedowns."""
        node = self._seller_index.get(key_of(seller_id))
        if node == MISSING:
            return []
        nodes = self._member_nodes(self._find(node))
        ranked = sorted(nodes, key=self._rank)[:limit]
        return [(self._seller_id(m), int(self._confirmed[m])) for m in ranked]

    def same_network(self, a: str, b: str) -> bool:
        na, nb = self._seller_index.get(key_of(a)), self._seller_index.get(key_of(b))
        return na != MISSING and nb != MISSING and self._find(na) == self._find(nb)

    def merge_pending(self) -> None:
        """Fold recently added keys into the main sorted arrays (done on its own as they grow)."""
        self._seller_index.merge(everything=True)
        self._point_index.merge(everything=True)

    # --- internals -------------------------------------------------------------------

    def _reached(self, parts: tuple[_Points, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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

    def _rank(self, node: int) -> tuple[int, str]:
        return -int(self._confirmed[node]), self._seller_id(node)

    def _top_two(self, root: int, nodes: Sequence[int]) -> None:
        ranked = sorted({m for m in nodes if m != NO_SELLER and self._confirmed[m] > 0}, key=self._rank)
        self._worst[root] = ranked[0] if ranked else NO_SELLER
        self._second[root] = ranked[1] if len(ranked) > 1 else NO_SELLER

    def _link_one(self, seller_id: str, seller_key: int, point_key_: int, kind: PointKind) -> bool:
        node = self._seller_index.get(seller_key)
        if node == MISSING:
            node = self._new_seller(seller_id, seller_key)
        slot = self._point_index.get(point_key_)
        if slot == MISSING:
            self._new_point(point_key_, node, kind)
            root = self._find(node)
            self._kinds[root] |= int(kind)
            return True
        if self._point_sellers[slot] >= self.max_sellers_per_point:
            return False
        a, b = self._find(node), self._find(int(self._owner[slot]))
        if a == b:
            return False
        self._point_sellers[slot] += 1
        self._union(a, b, int(kind))
        return True

    def _union(self, a: int, b: int, kind: int) -> None:
        if self._size[a] < self._size[b]:
            a, b = b, a
        self._parent[b] = a
        self._size[a] += self._size[b]
        self._total[a] += self._total[b]
        self._kinds[a] |= self._kinds[b] | kind
        self._next[a], self._next[b] = self._next[b], self._next[a]  # splice the member rings
        self._top_two(a, (int(self._worst[a]), int(self._second[a]), int(self._worst[b]), int(self._second[b])))

    def _find(self, node: int) -> int:
        parent = self._parent
        root = node
        while parent[root] != root:
            root = int(parent[root])
        while parent[node] != root:  # path compression
            parent[node], node = root, int(parent[node])
        return root

    def _find_many(self, nodes: np.ndarray) -> np.ndarray:
        parent = self._parent
        roots = parent[nodes]
        while True:
            up = parent[roots]
            if np.array_equal(up, roots):
                break
            roots = up
        parent[nodes] = roots  # compress what was walked
        return roots

    def _member_nodes(self, root: int) -> list[int]:
        members, node = [root], int(self._next[root])
        while node != root:
            members.append(node)
            node = int(self._next[node])
        return members

    def _seller_id(self, node: int) -> str:
        start = int(self._id_end[node - 1]) if node else 0
        return self._pool[start:int(self._id_end[node])].decode()

    def _new_seller(self, seller_id: str, key: int) -> int:
        self._version += 1
        node = self._sellers
        if node == self._parent.size:
            self._grow_sellers()
        self._parent[node] = self._next[node] = node
        self._size[node] = 1
        self._confirmed[node] = 0
        self._total[node] = 0
        self._worst[node] = self._second[node] = NO_SELLER
        self._kinds[node] = 0
        self._pool += seller_id.encode()
        self._id_end[node] = len(self._pool)
        self._sellers += 1
        self._seller_index.put(key, node)
        return node

    def _new_point(self, key: int, owner: int, kind: PointKind) -> None:
        self._version += 1
        slot = self._points
        if slot == self._owner.size:
            capacity = max(1024, int(slot * GROWTH))
            self._owner = _resized(self._owner, capacity)
            self._point_kind = _resized(self._point_kind, capacity)
            self._point_sellers = _resized(self._point_sellers, capacity)
        self._owner[slot] = owner
        self._point_kind[slot] = int(kind)
        self._point_sellers[slot] = 1
        self._points += 1
        self._point_index.put(key, slot)

    def _grow_sellers(self, needed: int = 0) -> None:
        capacity = max(1024, int(max(self._parent.size, needed) * GROWTH))
        for name in ("_parent", "_size", "_next", "_confirmed", "_total", "_worst", "_second", "_kinds", "_id_end"):
            setattr(self, name, _resized(getattr(self, name), capacity))


def _resized(array: np.ndarray, capacity: int) -> np.ndarray:
    grown = np.zeros(capacity, dtype=array.dtype)
    grown[:array.size] = array
    return grown
