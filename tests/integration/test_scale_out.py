"""`counterscan worker --processes 2`: two members in one group, sharing the partitions."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid

from agents.kafka.clients import wait_for_group
from agents.processes import first_exit, free_port
from pipeline.settings import PROJECT_ROOT


def test_processes_join_one_group_and_stop_together(topics_created: str, tmp_path):
    group = f"scale-{uuid.uuid4().hex[:6]}"
    env = dict(os.environ, COUNTERSCAN_BOOTSTRAP_SERVERS=topics_created, COUNTERSCAN_SCAN_GROUP_ID=group,
               COUNTERSCAN_APP_ID=f"scale-{uuid.uuid4().hex[:6]}", COUNTERSCAN_STATE_DIR="")
    port = free_port()
    with open(tmp_path / "supervisor.log", "wb") as log:
        supervisor = subprocess.Popen([sys.executable, "-m", "agents.cli", "worker", "--processes", "2",
                                       "--web-port", str(port), "--log-level", "warning"],
                                      env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        asyncio.run(wait_for_group(topics_created, group, 2, timeout_s=90,
                                   exited=lambda: first_exit([supervisor])))
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(60) == 0, (tmp_path / "supervisor.log").read_text()[-3000:]
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
