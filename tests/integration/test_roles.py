"""Workers that run one role only: a feedback worker follows the seller topics without scanning."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from agents.kafka.clients import group_state, wait_for_group
from agents.processes import first_exit, free_port
from agents.testing import running_worker


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_feedback_only_worker_starts_and_serves_seller_views(topics_created: str, tmp_path: Path):
    port, web = free_port(), free_port()
    with running_worker(topics_created, tmp_path, port, ("--web-port", str(web)), roles="feedback",
                        app_id=f"feedback-only-{uuid.uuid4().hex[:6]}") as proc:
        deadline = time.monotonic() + 90
        answer: tuple[int, bytes] = (0, b"")
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                answer = get(f"http://127.0.0.1:{web}/sellers/nobody-{uuid.uuid4().hex[:6]}")
                break
            except OSError:
                time.sleep(0.5)
        assert proc.poll() is None, (tmp_path / "process-0.log").read_text(errors="replace")[-3000:]
        status, body = answer
        assert status == 404
        assert json.loads(body)["error"] == "unknown seller"
        while time.monotonic() < deadline:  # the metrics server may start a moment after the web server
            try:
                health = get(f"http://127.0.0.1:{port}/healthz")[0]
                break
            except OSError:
                time.sleep(0.5)
        assert health == 200
        status, body = get(f"http://127.0.0.1:{port}/sellers/nobody")  # the metrics port: monitoring only
        assert status == 404 and b"unknown seller" not in body


def test_a_scan_only_worker_stays_out_of_the_feedback_workers_group(topics_created: str, tmp_path: Path):
    """Faust's group is the feedback workers': a scan worker joining it rebalanced their table
    partitions with each of its restarts."""
    app_id = f"roles-{uuid.uuid4().hex[:6]}"
    (tmp_path / "feedback").mkdir()
    (tmp_path / "scan").mkdir()
    with running_worker(topics_created, tmp_path / "feedback", roles="feedback", app_id=app_id) as feedback:
        asyncio.run(wait_for_group(topics_created, app_id, 1, timeout_s=90, exited=lambda: first_exit([feedback])))
        with running_worker(topics_created, tmp_path / "scan", roles="scan", app_id=app_id,
                            scan_group_id=f"{app_id}-listings") as scan:
            running = [feedback, scan]
            asyncio.run(wait_for_group(topics_created, f"{app_id}-listings", 1, timeout_s=90,
                                       exited=lambda: first_exit(running)))
            asyncio.run(wait_for_group(topics_created, f"{app_id}-scan", 1, timeout_s=90,
                                       exited=lambda: first_exit(running)))  # its Faust app, in a group of its own

            async def members() -> tuple[str, int]:
                admin = AIOKafkaAdminClient(bootstrap_servers=topics_created)
                await admin.start()
                try:
                    return await group_state(admin, app_id)
                finally:
                    await admin.close()

            assert asyncio.run(members()) == ("Stable", 1)
