"""What a fault scenario acts on, apart from the scenarios, so each fault module can take it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.kafka.broker import LocalBroker
from agents.kafka.cluster import LocalCluster
from agents.processes import LoggedProcess, worker_command


@dataclass
class Stage:
    """What a fault can act on: the broker, the group's workers, and a place for its own figures."""

    broker: LocalBroker | LocalCluster  # one broker, or the three-node cluster of the cluster scenarios
    bootstrap: str
    group: str
    workers: list[LoggedProcess]
    env: dict[str, str]  # what every worker of the group runs with
    log_dir: Path
    seed: int  # of the listings, and of any randomness a fault has
    notes: dict[str, Any] = field(default_factory=dict)
    after: list[Callable[[], None]] = field(default_factory=list)  # checks once every listing is accounted for

    def add_worker(self) -> LoggedProcess:
        worker = LoggedProcess(worker_command(), self.log_dir / f"extra-{uuid.uuid4().hex[:6]}.log", self.env)
        self.workers.append(worker)
        return worker
