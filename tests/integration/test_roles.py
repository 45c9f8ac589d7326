"""Workers that run one role only: a feedback worker follows the seller topics without scanning."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from agents.processes import free_port
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
