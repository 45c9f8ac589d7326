"""A worker that starts before Kafka waits with a clear log line, then works; SIGTERM while waiting exits 0."""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
import time
import uuid
from pathlib import Path

import orjson

from agents.kafka.broker import LocalBroker
from agents.kafka.clients import create_topics, wait_for_group
from agents.processes import first_exit, free_port
from agents.testing import produce, read_until, running_worker
from pipeline import topics
from pipeline.settings import Settings
from pipeline.testing import listing


def wait_for_line(log: Path, text: str, timeout_s: float = 90) -> str:
    """The log once it holds ``text`` (a worker's start-up takes seconds, more on a busy host)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        content = log.read_text(errors="replace") if log.exists() else ""
        if text in content:
            return content
        time.sleep(0.3)
    return log.read_text(errors="replace") if log.exists() else ""


def test_worker_waits_for_a_late_broker_then_decides(tmp_path: Path):
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    with running_worker(bootstrap, tmp_path, scan_group_id=f"late-{uuid.uuid4().hex[:6]}") as worker:
        content = wait_for_line(tmp_path / "process-0.log", "waiting for Kafka")
        assert "waiting for Kafka at " + bootstrap in content
        assert "Traceback" not in content and worker.poll() is None
        broker = LocalBroker(Settings.load(), port=port)
        broker.start()
        try:
            asyncio.run(create_topics(bootstrap))
            item = listing(listing_id=f"late-{uuid.uuid4().hex[:6]}")
            asyncio.run(produce(bootstrap, topics.LISTINGS_RAW.name, [(item["listing_id"].encode(), orjson.dumps(item))]))
            records = asyncio.run(read_until(bootstrap, [topics.DECISIONS.name],
                                             lambda rs: any(r["listing_id"] == item["listing_id"] for _, _, r in rs), 120))
            assert any(r["listing_id"] == item["listing_id"] for _, _, r in records)
        finally:
            broker.stop()


def test_sigterm_while_waiting_exits_cleanly(tmp_path: Path):
    with running_worker(f"127.0.0.1:{free_port()}", tmp_path) as worker:
        # its SIGTERM handler is in place once it waits: a signal sent earlier, while it still
        # imports its modules, would end it with the default action instead
        content = wait_for_line(tmp_path / "process-0.log", "waiting for Kafka")
        assert "waiting for Kafka" in content and worker.poll() is None, content[-3000:]
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(20) == 0
        assert "Traceback" not in (tmp_path / "process-0.log").read_text()


def test_sigterm_during_a_broker_probe_exits_cleanly(tmp_path: Path):
    """A listener that accepts connections and never answers keeps each Metadata probe open
    for its full timeout, so the signal arrives inside the probe, not between tries."""
    silent = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_stay_silent() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(silent.accept()[0])
            except TimeoutError:
                continue

    acceptor = threading.Thread(target=accept_and_stay_silent, daemon=True)
    acceptor.start()
    try:
        with running_worker(f"127.0.0.1:{silent.getsockname()[1]}", tmp_path) as worker:
            wait_for_line(tmp_path / "process-0.log", "waiting for Kafka")  # the first probe gave up
            tried = len(accepted)
            deadline = time.monotonic() + 60
            while len(accepted) == tried and time.monotonic() < deadline:  # the next probe has connected
                time.sleep(0.05)
            assert len(accepted) > tried and worker.poll() is None
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(20) == 0
            assert "Traceback" not in (tmp_path / "process-0.log").read_text()
    finally:
        stop.set()
        acceptor.join()
        for connection in accepted:
            connection.close()
        silent.close()


def test_a_worker_joins_the_scan_group_only_once_its_state_is_read(topics_created: str, tmp_path: Path):
    """Partitions assigned to a worker still reading the seller topics would wait unscanned
    (for minutes, on millions of links); it joins once they are read."""
    group = f"join-{uuid.uuid4().hex[:6]}"
    with running_worker(topics_created, tmp_path, options=("--log-level", "info"), scan_group_id=group,
                        app_id=f"{group}-app") as worker:
        asyncio.run(wait_for_group(topics_created, group, 1, exited=lambda: first_exit([worker])))
        lines = (tmp_path / "process-0.log").read_text(errors="replace").splitlines()
    caught_up = [i for i, line in enumerate(lines) if ": caught up after " in line]
    assigned = [i for i, line in enumerate(lines) if "partitions assigned: ['listings.raw" in line]
    assert len(caught_up) == len(topics.SCAN_STATE) and assigned, "\n".join(lines[-40:])
    assert max(caught_up) < min(assigned), "\n".join(lines[-40:])
