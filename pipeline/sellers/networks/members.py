"""A network's members, read once while the network keeps its size.

The feedback worker asks for the members of the same few networks after every
outcome: which accounts' strikes to weigh, and, for a recommendation, the
accounts ranked by confirmed takedowns. Walking the forest's member ring and
decoding two thousand seller ids for each of those questions cost milliseconds.
Members only ever join a network (by a union that grows the root or makes it a
member), so a network whose root still has the size it had holds the same
accounts: their nodes, ids and the ids' sorted order are kept until it grows,
and a ranking is one ``lexsort`` over the takedown column.
"""

from __future__ import annotations

import numpy as np

from pipeline.sellers.networks.unionfind import SellerForest

__all__ = ["MEMBERS_KEPT", "MemberCache", "Members"]

MEMBERS_KEPT = 4096  # networks whose members are kept (the ones outcomes arrive for)


class Members:
    """One network's accounts: their forest nodes, seller ids and each id's place in sorted order."""

    __slots__ = ("size", "nodes", "ids", "id_rank")

    def __init__(self, forest: SellerForest, root: int) -> None:
        self.nodes = np.asarray(forest.member_nodes(root), dtype=np.int64)
        self.size = int(self.nodes.size)
        self.ids: tuple[str, ...] = tuple(forest.seller_ids(self.nodes))
        self.id_rank = np.empty(self.size, dtype=np.int64)
        self.id_rank[sorted(range(self.size), key=self.ids.__getitem__)] = np.arange(self.size)

    def ranked(self, confirmed: np.ndarray, limit: int) -> list[tuple[str, int]]:
        """Up to ``limit`` (seller id, confirmed takedowns), most takedowns first, then by id:
        the order of :meth:`pipeline.sellers.networks.unionfind.SellerForest.rank`."""
        order, counts = self.order(confirmed)
        ids = self.ids
        return [(ids[at], count) for at, count in zip(order[:limit].tolist(), counts[:limit].tolist())]

    def order(self, confirmed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in :attr:`ids` in :meth:`ranked` order, and each one's confirmed takedowns."""
        counts = confirmed[self.nodes].astype(np.int64)
        order = np.lexsort((self.id_rank, -counts))
        return order, counts[order]


class MemberCache:
    """:class:`Members` by network root, for at most ``kept`` networks (then forgotten all at once)."""

    def __init__(self, kept: int = MEMBERS_KEPT) -> None:
        self.kept = kept
        self._members: dict[int, Members] = {}

    def of(self, forest: SellerForest, root: int) -> Members:
        known = self._members.get(root)
        if known is None or known.size != forest.size[root]:
            if len(self._members) >= self.kept:
                self._members.clear()
            known = self._members[root] = Members(forest, root)
        return known
