"""A benchmark stopped with SIGTERM (by ``timeout``, a CI job's end) stops what it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from agents.processes import alive
from pipeline.settings import PROJECT_ROOT


def descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                children = {int(c) for c in (task / "children").read_text().split()}
            except OSError:
                continue
            todo.extend(children - found)
            found |= children
    return found


def test_a_soak_stopped_with_sigterm_stops_its_broker_and_workers(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTERSCAN_")}
    soak = subprocess.Popen([sys.executable, "-m", "benchmarks.soak", "--minutes", "5", "--rate", "200", "--warmup",
                             "0", "--workers", "1", "--logs", str(tmp_path)], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    started: set[int] = set()
    try:
        deadline = time.monotonic() + 240
        for line in soak.stdout:  # its progress lines begin once the workers run
            if "decided" in line or time.monotonic() > deadline:
                break
        started = descendants(soak.pid)
        assert len(started) >= 4  # the broker, a scan and a feedback worker, the takedown service, the generator
        soak.send_signal(signal.SIGTERM)
        soak.wait(timeout=180)
        deadline = time.monotonic() + 30
        while any(alive(pid, None) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not [pid for pid in started if alive(pid, None)]
        assert soak.returncode == 128 + signal.SIGTERM
    finally:
        for pid in started | descendants(soak.pid) | {soak.pid}:  # also those a failed stop left behind
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        soak.wait(timeout=30)
