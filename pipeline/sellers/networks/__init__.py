"""Seller networks: accounts linked by shared contact points and known-counterfeit images.

Counterfeiters open new accounts as fast as old ones are closed, but a new
account keeps the old phone number, payment account or product photos. Sellers
that share such a point, directly or through a chain of others, are one actor:
this package keeps those networks in every worker's memory while the stream
runs, so the first listing of a new account is scored with what its network has
already done, and a repeat-infringer decision can weigh a whole network.

:mod:`~pipeline.sellers.networks.graph` reads and writes the networks (union-find
over numpy columns, :mod:`~pipeline.sellers.networks.unionfind`, with ids hashed by
:mod:`~pipeline.sellers.networks.hashindex`); :mod:`~pipeline.sellers.networks.types`
holds the values they exchange. Every link that changes a worker's networks is
published to the compacted ``sellers.links`` topic
(:mod:`~pipeline.sellers.networks.changelog`), keyed by seller and point, so it holds
each association once. Links are never undone, and applying them in any order
gives the same networks, so a restarted worker rebuilds its state by reading that
topic from the start, without re-reading a single listing;
:mod:`~pipeline.sellers.networks.linklog` keeps the links themselves for reviewers.
"""

from pipeline.sellers.networks.changelog import link_record, parse_link
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.networks.hashindex import HashIndex
from pipeline.sellers.networks.linklog import LinkLog, LinkRow, links_of
from pipeline.sellers.networks.types import Link, NetworkLookup, PointKind, PreparedBatch

__all__ = [
    "HashIndex",
    "Link",
    "LinkLog",
    "LinkRow",
    "NetworkLookup",
    "PointKind",
    "PreparedBatch",
    "SellerNetworks",
    "link_record",
    "links_of",
    "parse_link",
]
