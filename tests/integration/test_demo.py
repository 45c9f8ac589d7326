"""`counterscan demo` from the outside: its own broker, its own workers, a truthful report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pipeline.settings import PROJECT_ROOT


def test_demo_reports_every_listing_accounted_for(tmp_path: Path):
    report_path = tmp_path / "demo.json"
    env = dict(os.environ)
    env.pop("COUNTERSCAN_BOOTSTRAP_SERVERS", None)
    run = subprocess.run(
        [sys.executable, "-m", "agents.cli", "demo", "--listings", "4000", "--workers", "2",
         "--json", str(report_path), "--no-progress"],
        env=env, capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(report_path.read_text())
    for key in ("listings_in", "decisions", "deadletter", "lost", "duplicates", "routes", "elapsed_s",
                "throughput_per_s", "broker"):
        assert key in report
    assert report["listings_in"] == 4000
    assert report["lost"] == 0
    assert report["decisions"] + report["deadletter"] == 4000
    assert report["deadletter"] > 0 and report["routes"].get("takedown", 0) > 0
    assert report["broker"].startswith("apache-kafka 4.")
    assert "pipeline throughput (listings/s)" in run.stdout and "worker CPU per listing" in run.stdout
    # the rate is the pipeline's: generation happened before the clock, and publishing outran the workers
    assert report["worker_cpu_us_per_listing"] > 0
    assert report["generator_per_s"] > 0 and report["publish_per_s"] > report["throughput_per_s"]
