"""The work behind the CLI's commands that talk to Kafka: demo, publish, operations, seller queries.
"""

from agents.commands.demo import format_report, run_demo
from agents.commands.operations import format_status, group_status, replay
from agents.commands.publish import publish_listings, publish_listings_sync
from agents.commands.seller_query import read_seller_state
from agents.commands.supervisor import supervise

__all__ = [
    "format_report",
    "format_status",
    "group_status",
    "publish_listings",
    "publish_listings_sync",
    "read_seller_state",
    "replay",
    "run_demo",
    "supervise",
]
