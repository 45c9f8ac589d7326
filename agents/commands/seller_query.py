"""``counterscan seller``: one seller's reputation and network, read from the broker.

Reads ``sellers.links`` and then ``sellers.reputation`` to the end offsets they
have when the command starts, outside any consumer group, and builds the same
state a worker holds. Links come first so the network is known before the
reputation is read, and the full reputation record is kept for its members
only (every other seller adds to the network totals, nothing more).
"""

from __future__ import annotations

from aiokafka import ConsumerRecord

from agents.kafka.snapshot import read_to_end, snapshot_consumer
from pipeline import topics
from pipeline.sellers.state import SellerState
from pipeline.sellers.view import MEMBER_LIMIT


async def read_seller_state(bootstrap: str, seller_id: str, security: dict[str, object] | None = None,
                            progress: bool = True) -> tuple[SellerState, int]:
    """The state of the seller topics as they are now; also how many link records were not links."""
    security = security or {}
    state = SellerState()

    def apply_links(records: list[ConsumerRecord]) -> int:
        return len(state.apply_links([(m.key, m.value) for m in records]))

    def apply_reputations(records: list[ConsumerRecord]) -> int:
        for m in records:
            state.apply_reputation(m.key, m.value)
        return 0

    consumer = snapshot_consumer(bootstrap, security)
    await consumer.start()
    try:
        rejected = await read_to_end(consumer, bootstrap, topics.SELLER_LINKS.name, apply_links, security, progress)
        shown = set(state.networks.members(seller_id, MEMBER_LIMIT)) | {seller_id}
        state.keep_details = shown.__contains__
        await read_to_end(consumer, bootstrap, topics.SELLER_REPUTATION.name, apply_reputations, security, progress)
    finally:
        await consumer.stop()
    return state, rejected
