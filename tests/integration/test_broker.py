"""The launcher: real broker up and down, no JVM left behind, topics made idempotently."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from agents.kafka.broker import LocalBroker
from agents.kafka.clients import create_topics
from agents.kafka.probe import broker_metadata
from pipeline.settings import PROJECT_ROOT, Settings
from pipeline.topics import ALL_TOPICS, BRAND_PROFILES, LISTINGS_RAW


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_broker_answers_metadata_then_stops_cleanly():
    broker = LocalBroker(Settings.load())
    handle = broker.start()
    try:
        assert handle.version.startswith("apache-kafka 4.")
        assert asyncio.run(broker_metadata(handle.bootstrap_servers)) == 1
        assert handle.bootstrap_servers.startswith("127.0.0.1:")
    finally:
        broker.stop()
    assert not alive(handle.pid)
    assert not Path(handle.data_dir).exists()


def test_broker_dies_with_the_process_that_started_it(tmp_path: Path):
    script = tmp_path / "owner.py"
    script.write_text(
        "import sys, time\n"
        "from agents.kafka.broker import LocalBroker\nfrom pipeline.settings import Settings\n"
        "handle = LocalBroker(Settings.load()).start()\n"
        "print(handle.pid, flush=True)\ntime.sleep(600)\n"
    )
    owner = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, cwd=PROJECT_ROOT)
    try:
        jvm = int(owner.stdout.readline())
        assert alive(jvm)
        owner.send_signal(signal.SIGKILL)  # no cleanup code runs in the owner
        owner.wait(10)
        deadline = time.monotonic() + 20
        while alive(jvm) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(jvm)
    finally:
        owner.kill()


def test_broker_cli_start_status_stop(tmp_path: Path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "kafka-libs").symlink_to(Settings.load().kafka_libs_dir)
    env = dict(os.environ, COUNTERSCAN_CACHE_DIR=str(cache))
    env.pop("COUNTERSCAN_BOOTSTRAP_SERVERS", None)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "agents.cli", *args], env=env, capture_output=True,
                              text=True, timeout=120, cwd=PROJECT_ROOT)

    try:
        started = cli("broker", "start")
        assert started.returncode == 0, started.stderr
        assert "apache-kafka 4." in started.stdout
        status = cli("broker", "status")
        assert status.returncode == 0 and "answering Metadata" in status.stdout
        created = cli("topics", "create")
        assert created.returncode == 0 and "listings.raw" in created.stdout
    finally:
        stopped = cli("broker", "stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert cli("broker", "status").returncode == 1


def test_topics_are_created_once_with_their_partitions_and_configs(bootstrap: str):
    first = asyncio.run(create_topics(bootstrap))
    assert set(first) == {t.name for t in ALL_TOPICS}
    again = asyncio.run(create_topics(bootstrap))
    assert set(again.values()) == {"exists"}

    async def inspect() -> tuple[dict[str, int], dict[str, str]]:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            described = await admin.describe_topics([t.name for t in ALL_TOPICS])
            partitions = {d["topic"]: len(d["partitions"]) for d in described}
            (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, BRAND_PROFILES.name)])
            configs = {entry[0]: entry[1] for entry in response.resources[0][4]}
            return partitions, configs
        finally:
            await admin.close()

    partitions, configs = asyncio.run(inspect())
    assert partitions == {t.name: t.partitions for t in ALL_TOPICS}
    assert partitions[LISTINGS_RAW.name] == LISTINGS_RAW.partitions
    assert configs["cleanup.policy"] == "compact"
