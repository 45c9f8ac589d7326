"""Union-find over seller nodes: the columns that find and merge network roots, and what roots keep.

:class:`pipeline.sellers.networks.graph.SellerNetworks` decides which sellers a
link joins; this module is how networks are stored and merged once it has. It is
kept apart because it is the one part that must stay right for every order of
merges (union by size, path compression, member rings spliced on union, the
aggregates of two roots combined), and it knows nothing of points, hashes or
batches.

Nothing per seller is a Python object: node numbers index numpy columns (int32
parents, sizes, member rings, confirmed takedowns), and seller ids are kept as
bytes in one pool so a network can name its members. Each root keeps its
members' total confirmed takedowns, its two "worst" members (most takedowns,
ties to the smaller id) and the kinds of point linking it, so a listing's
seller can always be shown another seller of the network, never itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NO_SELLER = -1
GROWTH = 1.5
_SELLER_COLUMNS = ("parent", "size", "next", "confirmed", "total", "worst", "second", "kinds", "id_end")


class SellerForest:
    """Seller nodes ``0 .. count - 1`` as a union-find forest with per-network aggregates.

    ``confirmed`` and ``next`` (the circular list of a network's members) are valid at every
    node; ``size``, ``total``, ``worst``, ``second`` and ``kinds`` (bit flags of
    :class:`pipeline.sellers.networks.types.PointKind`) only at roots. The columns are
    replaced when they grow: read them through the forest, never keep one across an add.
    """

    def __init__(self) -> None:
        self.count = 0
        self.parent = np.empty(0, dtype=np.int32)
        self.size = np.empty(0, dtype=np.int32)
        self.next = np.empty(0, dtype=np.int32)
        self.confirmed = np.empty(0, dtype=np.int32)
        self.total = np.empty(0, dtype=np.int64)
        self.worst = np.empty(0, dtype=np.int32)
        self.second = np.empty(0, dtype=np.int32)
        self.kinds = np.empty(0, dtype=np.uint8)
        self.id_end = np.empty(0, dtype=np.int64)  # seller i's id is pool[id_end[i-1]:id_end[i]]
        self.pool = bytearray()

    @property
    def nbytes(self) -> int:
        """Bytes of the columns and the id pool (capacity, not just the used part)."""
        return sum(getattr(self, name).nbytes for name in _SELLER_COLUMNS) + len(self.pool)

    # --- adding sellers --------------------------------------------------------------

    def add(self, seller_ids: list[str]) -> np.ndarray:
        """Sellers known to be absent, each alone in its own network; their node numbers."""
        start = self.count
        end = start + len(seller_ids)
        if end > self.parent.size:
            self._grow(end)
        nodes = np.arange(start, end, dtype=np.int32)
        self.parent[start:end] = self.next[start:end] = nodes
        self.size[start:end] = 1
        self.confirmed[start:end] = 0
        self.total[start:end] = 0
        self.worst[start:end] = self.second[start:end] = NO_SELLER
        self.kinds[start:end] = 0
        encoded = [s.encode() for s in seller_ids]
        self.id_end[start:end] = len(self.pool) + np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)))
        self.pool += b"".join(encoded)
        self.count = end
        return nodes

    def add_one(self, seller_id: str) -> int:
        """:meth:`add` for one seller; its node number."""
        node = self.count
        if node == self.parent.size:
            self._grow()
        self.parent[node] = self.next[node] = node
        self.size[node] = 1
        self.confirmed[node] = 0
        self.total[node] = 0
        self.worst[node] = self.second[node] = NO_SELLER
        self.kinds[node] = 0
        self.pool += seller_id.encode()
        self.id_end[node] = len(self.pool)
        self.count += 1
        return node

    def _grow(self, needed: int = 0) -> None:
        capacity = max(1024, int(max(self.parent.size, needed) * GROWTH))
        for name in _SELLER_COLUMNS:
            setattr(self, name, resized(getattr(self, name), capacity))

    # --- find and merge --------------------------------------------------------------

    def find(self, node: int) -> int:
        parent = self.parent
        root = node
        while parent[root] != root:
            root = int(parent[root])
        while parent[node] != root:  # path compression
            parent[node], node = root, int(parent[node])
        return root

    def find_many(self, nodes: np.ndarray) -> np.ndarray:
        parent = self.parent
        roots = parent[nodes]
        while True:
            up = parent[roots]
            if np.array_equal(up, roots):
                break
            roots = up
        parent[nodes] = roots  # compress what was walked
        return roots

    def union(self, a: int, b: int, kind: int) -> None:
        """Merge the networks of roots ``a`` and ``b`` (distinct), linked by a point of ``kind``."""
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        self.total[a] += self.total[b]
        self.kinds[a] |= self.kinds[b] | kind
        self.next[a], self.next[b] = self.next[b], self.next[a]  # splice the member rings
        self.top_two(a, (int(self.worst[a]), int(self.second[a]), int(self.worst[b]), int(self.second[b])))

    # --- aggregates ------------------------------------------------------------------

    def set_confirmed(self, node: int, count: int) -> None:
        """Set a node's confirmed takedowns and keep its root's total and worst members right."""
        before = int(self.confirmed[node])
        if count == before:
            return
        self.confirmed[node] = count
        root = self.find(node)
        self.total[root] += count - before
        if count > before:
            self.top_two(root, (int(self.worst[root]), int(self.second[root]), node))
        elif node in (int(self.worst[root]), int(self.second[root])):
            self.top_two(root, self.member_nodes(root))

    def top_two(self, root: int, nodes: Sequence[int]) -> None:
        """The root's worst and second-worst members, chosen among ``nodes``."""
        ranked = sorted({m for m in nodes if m != NO_SELLER and self.confirmed[m] > 0}, key=self.rank)
        self.worst[root] = ranked[0] if ranked else NO_SELLER
        self.second[root] = ranked[1] if len(ranked) > 1 else NO_SELLER

    def worst_others(self, pair_rows: np.ndarray, pair_roots: np.ndarray,
                     own: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For (row, root) pairs, and each row's own node (or MISSING): per row, the
        member with the most confirmed takedowns among the roots' networks, never the row's own
        node (ties go to the smaller id): (rows, nodes, their roots)."""
        worst = self.worst[pair_roots]
        candidate = np.where(worst == own[pair_rows], self.second[pair_roots], worst)
        valid = candidate != NO_SELLER
        rows, nodes, roots = pair_rows[valid], candidate[valid], pair_roots[valid]
        if not rows.size:
            return rows, nodes, roots
        confirmed = self.confirmed[nodes]
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
            best = at + min(range(end - at + 1), key=lambda k: self.seller_id(int(nodes[at + k])))
            nodes[at], roots[at] = nodes[best], roots[best]
        return rows[first], nodes[first], roots[first]

    def rank(self, node: int) -> tuple[int, str]:
        """Sort key: most confirmed takedowns first, then by seller id."""
        return -int(self.confirmed[node]), self.seller_id(node)

    def member_nodes(self, root: int) -> list[int]:
        members, node, following = [root], self.next.item(root), self.next.item
        while node != root:
            members.append(node)
            node = following(node)
        return members

    def seller_ids(self, nodes: np.ndarray) -> list[str]:
        starts = np.where(nodes > 0, self.id_end[nodes - 1], 0).tolist()
        pool = self.pool
        return [pool[start:end].decode() for start, end in zip(starts, self.id_end[nodes].tolist())]

    def seller_id(self, node: int) -> str:
        start = int(self.id_end[node - 1]) if node else 0
        return self.pool[start:int(self.id_end[node])].decode()


def resized(array: np.ndarray, capacity: int) -> np.ndarray:
    """A copy of ``array`` with room for ``capacity`` entries, the new ones zero."""
    grown = np.zeros(capacity, dtype=array.dtype)
    grown[:array.size] = array
    return grown
