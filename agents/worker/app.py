"""The Faust application: worker lifecycle, web server, and the services it runs."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import faust
import orjson

from agents.kafka.clients import client_security, faust_credentials, resolve_bootstrap
from agents.worker.background import BackgroundErrors
from agents.worker.lag import GroupLagService
from agents.worker.memory import MemoryTrimService
from agents.worker.metrics import Metrics
from agents.worker.monitor import AssignmentAwareMonitor
from agents.worker.notices import register_notice_agents
from agents.worker.observability import ObservabilityServer
from agents.worker.outcomes import register_outcome_agents
from agents.worker.scan import ListingScanService
from agents.worker.sellers import SellerStateService, caught_up
from pipeline import __version__, topics
from pipeline.sellers.state import SellerState
from pipeline.sellers.view import seller_view
from pipeline.settings import Settings

AGENT_ROLES = frozenset({"feedback", "notices"})  # the roles that run Faust agents and tables


def create_app(settings: Settings) -> faust.App:
    """A worker: the listing hot path and/or the feedback agents, as ``settings.roles`` says.

    Both roles share one process by default. At scale they split: scan workers
    grow with listings.raw's partitions and stay small; a few feedback workers
    own the seller reputation table, whose state grows with the sellers."""
    bootstrap = resolve_bootstrap(settings)
    settings.worker_state_dir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        faust_group(settings),
        broker=[f"kafka://{server}" for server in bootstrap.split(",")],
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        topic_partitions=topics.SELLER_REPUTATION.partitions,
        topic_replication_factor=settings.replication_factor,
        store="memory://",
        datadir=str(settings.worker_state_dir),
        broker_credentials=faust_credentials(settings),
        autodiscover=False,
        # Faust's default (0) sends each record in a request of its own: with one outcome taking
        # three sends, the broker spent more CPU per outcome than the scan path per listing.
        producer_linger=settings.producer_linger_ms / 1000,
        Monitor=AssignmentAwareMonitor,  # Faust's, without false stalls after every rebalance
    )
    metrics = Metrics()
    metrics.worker.info({"version": __version__, "roles": ",".join(sorted(settings.role_set)),
                         "rules_version": settings.rules_version, "app_id": settings.app_id})
    errors = BackgroundErrors(metrics.background_errors)  # one count and log limit for the worker's rounds
    ready: Callable[[], tuple[bool, str]] = lambda: (True, "ready")  # noqa: E731 - replaced below for scan
    if "scan" in settings.role_set:
        scan = ListingScanService(settings, bootstrap, metrics, errors)
        app.service(scan)
        ready = scan.readiness
        state, followers = scan.sellers, scan.followers
    else:  # a feedback-only worker follows the seller topics itself
        known = SellerStateService(bootstrap, client_security(settings), SellerState(), errors)
        app.service(known)
        state, followers = known.sellers, known.followers
    sellers = partial(seller_view, state)
    if "feedback" in settings.role_set:
        state.track_strikes()
        register_outcome_agents(app, settings, state, partial(caught_up, followers))
    if "notices" in settings.role_set:
        register_notice_agents(app, settings, bootstrap, client_security(settings), metrics, errors)
    app.service(GroupLagService(settings, bootstrap, client_security(settings), metrics, errors))
    app.service(MemoryTrimService(metrics, errors))  # the allocator's free pages back to the system
    app.service(ObservabilityServer(metrics, settings.metrics_host, settings.metrics_port, ready, errors))
    serve_seller_views(app, sellers)
    return app


def faust_group(settings: Settings) -> str:
    """The Faust application's id, which is also its consumer group. Workers running agents
    (feedback, notices) share ``app_id``. A scan-only worker runs none, but in that group each of
    its starts and stops rebalanced the feedback workers' table partitions (in a soak, the feedback
    worker's RSS stepped up by 27 to 47 MiB at each), so it joins a group of its own."""
    return settings.app_id if settings.role_set & AGENT_ROLES else f"{settings.app_id}-scan"


def serve_seller_views(app: faust.App, sellers: Callable[[str], dict[str, Any] | None]) -> None:
    """``/sellers/{seller_id}`` on the worker's web port (``web_port``): what the worker knows of a
    seller and its network. Not on the metrics port, which is what a Service exposes to the
    monitoring stack: seller data is for the people and tools that work cases."""

    @app.page("/sellers/{seller_id}")
    async def seller_page(view: Any, _request: Any, seller_id: str) -> Any:
        body = sellers(seller_id)
        if body is None:
            return view.bytes(orjson.dumps({"error": "unknown seller", "seller_id": seller_id}),
                              content_type="application/json", status=404)
        return view.bytes(orjson.dumps(body), content_type="application/json")
