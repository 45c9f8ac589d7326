"""The plain value types of seller networks: what links are made of and what lookups answer.

They are shared by the networks (:mod:`pipeline.sellers.networks.graph`), the
changelog and link log that carry links, and the scoring and workers that read
lookups. Kept apart from the graph so that a module which only passes links or
answers along does not depend on the union-find state that produces them.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import NamedTuple

import numpy as np


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


class Link(NamedTuple):
    """A seller-to-point association that changed the state: what goes to the changelog."""

    seller_id: str
    point: str
    kind: PointKind
    first_seen_at: str | None


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


class PreparedPoints(NamedTuple):
    """A batch's points of one kind, hashed and resolved: part of a :class:`PreparedBatch`."""

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
    points: tuple[PreparedPoints, ...]
    version: int
