"""The Faust application: worker lifecycle, web server, and the services it runs."""

from __future__ import annotations

import faust

from agents.kafka import resolve_bootstrap
from agents.outcomes import register_outcome_agents
from agents.scan import ListingScanService
from pipeline import topics
from pipeline.settings import Settings


def create_app(settings: Settings) -> faust.App:
    bootstrap = resolve_bootstrap(settings)
    app = faust.App(
        settings.app_id,
        broker=[f"kafka://{server}" for server in bootstrap.split(",")],
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        topic_partitions=topics.SELLER_REPUTATION.partitions,
        topic_replication_factor=settings.replication_factor,
        store="memory://",
        autodiscover=False,
    )
    register_outcome_agents(app)
    app.service(ListingScanService(settings, bootstrap))
    return app
