"""The work behind the CLI's commands: those that talk to Kafka (demo, publish, operations, seller
queries) and those that need no broker (offline: score, evaluate, train).
"""

from agents.commands.demo import format_report, run_demo
from agents.commands.offline import run_evaluate, run_score, run_train
from agents.commands.operations import format_status, group_status, replay, status_document
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
    "run_evaluate",
    "run_score",
    "run_train",
    "status_document",
    "supervise",
]
