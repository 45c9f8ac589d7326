"""Seller links as changelog records: how a restarted worker rebuilds its seller networks.

Every link that changed a worker's :class:`pipeline.sellers.networks.graph.SellerNetworks`
is published to a compacted topic keyed by seller and point, so the topic
holds each association once however often listings repeat it. Applying the
records in any order rebuilds the same networks (see :mod:`pipeline.sellers.networks.graph`
for the one exception, crowded points), without re-reading a single listing;
:meth:`pipeline.sellers.state.SellerState.apply_links` is what applies them.
"""

from __future__ import annotations

from typing import Any

import orjson

from pipeline.intake.validation import decode_object, validator
from pipeline.sellers.networks.types import Link, PointKind
from pipeline.types import Rejection

SCHEMA_VERSION = 1
MAX_LINK_BYTES = 4096
_LINK = validator("seller_link.v1.json")


def link_key(link: Link) -> bytes:
    return f"{link.seller_id}|{link.kind.label}:{link.point}".encode()


def link_value(link: Link) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "seller_id": link.seller_id, "point": link.point,
            "kind": link.kind.label, "first_seen_at": link.first_seen_at}


def link_record(link: Link) -> tuple[bytes, bytes]:
    """(key, value) to produce to the links changelog."""
    return link_key(link), orjson.dumps(link_value(link))


def parse_link(value: bytes | None) -> Link | Rejection:
    decoded = decode_object(value, MAX_LINK_BYTES, _LINK)
    if isinstance(decoded, Rejection):
        return decoded
    return Link(decoded["seller_id"], decoded["point"], PointKind.parse(decoded["kind"]),
                decoded.get("first_seen_at"))
