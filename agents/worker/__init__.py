"""The worker: the Faust app, the listing hot path and the services beside it.

The scan service consumes listings in batches with aiokafka inside the Faust
app; the outcome agents apply enforcement outcomes to seller reputation; the
followers keep the compacted state topics in memory; observability serves
metrics, probes and the seller view; the allocator's free memory is trimmed
every minute. Background rounds are contained by :class:`BackgroundErrors`.
"""

from agents.worker.app import create_app
from agents.worker.background import BackgroundErrors
from agents.worker.followers import CompactedTopicFollower
from agents.worker.memory import MemoryTrimService
from agents.worker.metrics import Metrics
from agents.worker.observability import ObservabilityServer
from agents.worker.outcomes import register_outcome_agents
from agents.worker.scan import ListingScanService
from agents.worker.sellers import SellerStateService, link_outputs, seller_followers

__all__ = [
    "BackgroundErrors",
    "CompactedTopicFollower",
    "ListingScanService",
    "MemoryTrimService",
    "Metrics",
    "ObservabilityServer",
    "SellerStateService",
    "create_app",
    "link_outputs",
    "register_outcome_agents",
    "seller_followers",
]
