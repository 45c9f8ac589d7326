"""On a three-node cluster of this module's own: the faults only a cluster has, exactly-once
against at-least-once, and committed offsets that fell out of retention."""

from __future__ import annotations

import asyncio
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from agents.commands.publish import publish_listings_sync
from agents.kafka.clients import create_topics, wait_for_group
from agents.kafka.cluster import LocalCluster
from agents.processes import first_exit, free_port
from agents.testing import read_until, running_worker, start_group_at_end
from benchmarks.faults import run_scenario
from pipeline import topics
from pipeline.settings import Settings
from pipeline.synthetic.generator import ListingGenerator

pytestmark = pytest.mark.integration
LISTINGS = 6000
RATE = 1500.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    nodes = LocalCluster(Settings.load(), 3, retention_check_ms=1000)  # retention acts within seconds
    nodes.start()
    try:
        asyncio.run(create_topics(nodes.bootstrap, 3))
        yield nodes
    finally:
        nodes.stop()


def test_every_topic_has_three_replicas_and_needs_two_in_sync(cluster: LocalCluster):
    async def described() -> tuple[list, list]:
        admin = AIOKafkaAdminClient(bootstrap_servers=cluster.bootstrap)
        await admin.start()
        try:
            names = [spec.name for spec in topics.ALL_TOPICS]
            configs = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
            return list(await admin.describe_topics(names)), configs
        finally:
            await admin.close()

    described_topics, configs = asyncio.run(described())
    assert {len(p["replicas"]) for t in described_topics for p in t["partitions"]} == {3}
    assert {len(p["isr"]) for t in described_topics for p in t["partitions"]} == {3}
    min_isr = {entry[0]: entry[1] for response in configs for resource in response.resources
               for entry in resource[4] if entry[0] == "min.insync.replicas"}
    assert min_isr == {"min.insync.replicas": "2"}
    assert cluster.active_controller() in (1, 2, 3)


@pytest.mark.parametrize("scenario", ["leader_kill", "broker_hang", "controller_failover", "rolling_restart",
                                      "isr_shrink"])
def test_cluster_faults_lose_nothing(cluster: LocalCluster, scenario: str):
    result = run_scenario(scenario, listings=LISTINGS, seed=63, rate=RATE, cluster=cluster)
    assert result["lost"] == 0, result
    assert result["decided"] + result["deadlettered"] == LISTINGS, result
    if scenario == "leader_kill":
        assert result["killed_node_led"] >= 8  # of the 24 partitions of listings.raw and listings.decisions
    if scenario == "controller_failover":
        assert result["new_controller"] not in (-1, result["killed_controller"])
    if scenario == "isr_shrink":
        assert result["shrink_commit_samples"] >= 5
        assert result["shrink_commits_past_outputs"] == 0  # no commit passed an output the cluster had not taken
        assert result["shrink_workers_exited"] == 0
        assert result["longest_stall_s"] >= 10  # with one node of three, nothing could be written


@pytest.mark.parametrize("scenario", ["worker_kill", "rebalance_storm", "leader_kill", "rolling_restart",
                                      "isr_shrink"])
def test_exactly_once_decides_every_listing_once(cluster: LocalCluster, scenario: str):
    result = run_scenario(scenario, listings=LISTINGS, seed=64, rate=RATE, cluster=cluster, guarantee="exactly_once")
    assert result["lost"] == 0, result
    assert result["decided"] + result["deadlettered"] == LISTINGS, result
    assert result["duplicate_decisions"] == 0, result  # read read_committed, as a downstream service reads


async def _alter(bootstrap: str, configs: dict[str, str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topics.LISTINGS_RAW.name, configs)])
    finally:
        await admin.close()


async def _offsets(bootstrap: str, group: str) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
    """The group's committed offsets of listings.raw and the partitions' log starts."""
    partitions = [TopicPartition(topics.LISTINGS_RAW.name, p) for p in range(topics.LISTINGS_RAW.partitions)]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        committed = {tp: await consumer.committed(tp) for tp in partitions}
        return committed, await consumer.beginning_offsets(partitions)  # type: ignore[return-value]
    finally:
        await consumer.stop()


def test_offsets_below_the_log_start_are_reported_and_scanning_resumes_there(cluster: LocalCluster, tmp_path: Path,
                                                                            run_id: str):
    bootstrap = cluster.bootstrap
    group = f"retention-{run_id}"
    asyncio.run(start_group_at_end(bootstrap, group))  # the group stopped here
    expired = ListingGenerator(71, id_prefix=f"{run_id}-expired-").take(1200)
    kept = ListingGenerator(72, id_prefix=f"{run_id}-kept-").take(1200)
    publish_listings_sync(bootstrap, expired)
    time.sleep(2.0)  # older than the retention about to be set
    retention = dict(topics.LISTINGS_RAW.config)
    asyncio.run(_alter(bootstrap, {**retention, "retention.ms": "1000"}))
    try:  # the broker rolls an expired active segment and deletes it
        deadline = time.monotonic() + 60
        while True:
            committed, starts = asyncio.run(_offsets(bootstrap, group))
            gap = sum(max(0, starts[tp] - (committed[tp] or 0)) for tp in starts)
            if gap >= len(expired) or time.monotonic() > deadline:
                break
            time.sleep(1.0)
    finally:
        asyncio.run(_alter(bootstrap, retention))
    assert gap == len(expired), f"retention deleted {gap} of {len(expired)} records in 60 s"
    time.sleep(2.0)  # the retention of seven days is in force again
    publish_listings_sync(bootstrap, kept)
    committed, starts = asyncio.run(_offsets(bootstrap, group))
    assert sum(max(0, starts[tp] - (committed[tp] or 0)) for tp in starts) == gap
    port = free_port()
    with running_worker(bootstrap, tmp_path, port, scan_group_id=group, app_id=f"{group}-app", roles="scan",
                        replication_factor="3") as worker:
        asyncio.run(wait_for_group(bootstrap, group, 1, exited=lambda: first_exit([worker])))
        wanted = {item.listing_id for item in kept}
        seen = asyncio.run(read_until(bootstrap, [topics.DECISIONS.name, topics.DEADLETTER.name],
                                      lambda records: wanted <= _ids(records), timeout_s=90))
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    assert wanted <= _ids(seen)  # resumed from the log start: everything still there is decided
    assert not {item.listing_id for item in expired} & _ids(seen)  # gone before it was scanned: no decision
    counted = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                  if line.startswith("counterscan_records_unscannable_total{"))
    assert counted == gap
    log = (tmp_path / "process-0.log").read_text()
    assert "deleted by retention before they were scanned" in log


def _ids(records: list[tuple[str, bytes | None, dict]]) -> set[str]:
    return {value["listing_id"] if topic == topics.DECISIONS.name else (value["source"]["key"] or "")
            for topic, _key, value in records}
