"""Every worker exports the whole lag of the scan and feedback groups, from committed offsets.

One live worker is enough for the lag alert to see everything, including the
partitions of workers that died; the figures come from the broker, not from
this worker's assignment (see :mod:`agents.kafka.group_lag`).
"""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from mode import Service

from agents.kafka.group_lag import GroupLag, LagClock, read_group_lags, watched_groups
from agents.worker.background import BackgroundErrors
from agents.worker.metrics import Metrics
from pipeline.settings import Settings

__all__ = ["GroupLagService", "export_group_lags"]


def export_group_lags(metrics: Metrics, rows: list[GroupLag], seconds: dict[str, float]) -> None:
    """Set the group-lag gauges to one round's reading (every row, so none go stale)."""
    for row in rows:
        metrics.group_lag.labels(group=row.group, topic=row.topic, partition=str(row.partition)).set(row.lag)
    for group, value in seconds.items():
        metrics.group_lag_seconds.labels(group=group).set(round(value, 3))


class GroupLagService(Service):
    """Reads the groups' committed offsets every ``lag_interval_s``. A failed round (the broker
    away, a coordinator moving) keeps the last figures and is counted as ``group lag``: an
    alert then sees lag that stopped moving, not lag that vanished."""

    def __init__(self, settings: Settings, bootstrap_servers: str, security: dict[str, object], metrics: Metrics,
                 errors: BackgroundErrors, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.settings, self.metrics, self.errors = settings, metrics, errors
        self.groups = watched_groups(settings)
        self.clock = LagClock()
        self.bootstrap_servers, self.security = bootstrap_servers, security
        self.admin: AIOKafkaAdminClient | None = None  # made in the worker's loop, at the first round
        self.reader: AIOKafkaConsumer | None = None

    async def on_stop(self) -> None:
        if self.reader is not None:
            await self.reader.stop()
        if self.admin is not None:
            await self.admin.close()

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self.admin is None:
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap_servers, **self.security)
            await admin.start()
            self.admin = admin
        if self.reader is None:
            reader = AIOKafkaConsumer(bootstrap_servers=self.bootstrap_servers, group_id=None,
                                      enable_auto_commit=False, **self.security)
            await reader.start()
            self.reader = reader
        return self.admin, self.reader

    @Service.task
    async def _measure(self) -> None:
        while not self.should_stop:
            with self.errors.round("group lag"):
                admin, reader = await self._clients()
                rows = await read_group_lags(admin, reader, self.groups)
                export_group_lags(self.metrics, rows, self.clock.seconds(rows))
            await self.sleep(self.settings.lag_interval_s)
