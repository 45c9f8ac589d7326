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
    port = free_port()
    with running_worker(topics_created, tmp_path, metrics_port=port, roles="feedback",
                        app_id=f"feedback-only-{uuid.uuid4().hex[:6]}", web_port=str(free_port())) as proc:
        deadline = time.monotonic() + 90
        answer: tuple[int, bytes] = (0, b"")
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                answer = get(f"http://127.0.0.1:{port}/sellers/nobody-{uuid.uuid4().hex[:6]}")
                break
            except OSError:
                time.sleep(0.5)
        assert proc.poll() is None, (tmp_path / "process-0.log").read_text(errors="replace")[-3000:]
        status, body = answer
        assert status == 404
        assert json.loads(body)["error"] == "unknown seller"
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
