"""One real Apache Kafka broker and one running worker for the integration tests.

The broker comes from the project's launcher (or COUNTERSCAN_BOOTSTRAP_SERVERS);
both are stopped when the session ends, also after failures.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from agents.kafka.broker import local_or_configured
from agents.kafka.clients import create_topics, wait_for_group
from agents.processes import first_exit, free_port
from agents.testing import running_worker
from pipeline.settings import Settings

pytestmark = pytest.mark.integration
SESSION_GROUP = f"it-{uuid.uuid4().hex[:8]}"  # the scan group of the session's worker


@pytest.fixture(scope="session")
def bootstrap() -> Iterator[str]:
    with local_or_configured(Settings.load()) as cluster:
        yield cluster.bootstrap


@pytest.fixture(scope="session")
def topics_created(bootstrap: str) -> str:
    asyncio.run(create_topics(bootstrap))
    return bootstrap


@pytest.fixture(scope="session")
def metrics_port() -> int:
    """Where the session's worker serves /metrics, /healthz and /readyz."""
    return free_port()


@pytest.fixture(scope="session")
def web_port() -> int:
    """Where the session's worker serves /sellers/{id}."""
    return free_port()


@pytest.fixture(scope="session")
def worker(topics_created: str, metrics_port: int, web_port: int,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A worker scanning listings.raw; yields the bootstrap servers."""
    log_dir = tmp_path_factory.mktemp("worker")
    group = SESSION_GROUP
    with running_worker(topics_created, log_dir, metrics_port, ("--web-port", str(web_port)), scan_group_id=group,
                        app_id="counterscan-it") as proc:
        asyncio.run(wait_for_group(topics_created, group, 1, exited=lambda: first_exit([proc])))
        yield topics_created
        assert proc.poll() is None, "worker died during the tests:\n" + (log_dir / "process-0.log").read_text()[-3000:]


@pytest.fixture
def run_id() -> str:
    """A prefix that keeps this test's listing ids apart from every other test's."""
    return uuid.uuid4().hex[:10]
