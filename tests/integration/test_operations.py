"""`counterscan status` and `counterscan replay` against the real broker and the session's worker."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import orjson

from agents.testing import produce, read_until
from pipeline import topics
from pipeline.settings import PROJECT_ROOT
from pipeline.testing import listing


def cli(bootstrap: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COUNTERSCAN_BOOTSTRAP_SERVERS=bootstrap)
    return subprocess.run([sys.executable, "-m", "agents.cli", *args], env=env, capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=120)


def test_status_shows_members_offsets_and_lag(worker: str):
    from tests.integration.conftest import SESSION_GROUP

    result = cli(worker, "status", "--scan-group-id", SESSION_GROUP)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"group {SESSION_GROUP}: Stable, 1 member")
    assert sum(1 for line in lines if line.strip().split(" ")[0].isdigit()) == topics.LISTINGS_RAW.partitions
    assert lines[-1].split()[0] == "total"


def test_status_json_to_stdout_and_the_table_to_stderr(worker: str, tmp_path):
    from tests.integration.conftest import SESSION_GROUP

    result = cli(worker, "status", "--scan-group-id", SESSION_GROUP, "--json", "-")
    assert result.returncode == 0, result.stderr
    status = orjson.loads(result.stdout)
    assert (status["group"], status["state"], len(status["members"])) == (SESSION_GROUP, "Stable", 1)
    assert [p["partition"] for p in status["partitions"]] == list(range(topics.LISTINGS_RAW.partitions))
    assert status["total"]["lag"] == sum(p["end"] - (p["committed"] or 0) for p in status["partitions"])
    assert result.stderr.startswith(f"group {SESSION_GROUP}: Stable")  # the table for people, out of the way
    written = cli(worker, "status", "--scan-group-id", SESSION_GROUP, "--json", str(tmp_path / "status.json"))
    assert written.stdout.startswith(f"group {SESSION_GROUP}") and orjson.loads((tmp_path / "status.json").read_bytes())


def test_status_metrics_prints_every_watched_groups_lag_as_prometheus_text(worker: str):
    from prometheus_client.parser import text_string_to_metric_families

    from tests.integration.conftest import SESSION_GROUP

    result = cli(worker, "status", "--scan-group-id", SESSION_GROUP, "--app-id", "counterscan-it", "--metrics")
    assert result.returncode == 0, result.stderr
    (family,) = [f for f in text_string_to_metric_families(result.stdout) if f.name == "counterscan_consumergroup_lag"]
    partitions = {(s.labels["group"], s.labels["topic"]): 0 for s in family.samples}
    for sample in family.samples:
        partitions[(sample.labels["group"], sample.labels["topic"])] += 1
    assert partitions[(SESSION_GROUP, topics.LISTINGS_RAW.name)] == topics.LISTINGS_RAW.partitions
    assert partitions[("counterscan-it", topics.OUTCOMES.name)] == topics.OUTCOMES.partitions  # the feedback group


def test_replay_rescores_with_new_rules(worker: str, run_id: str):
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    item = listing(listing_id=f"{run_id}-replay", title="Gucc1 belt replica", **{"price.amount": 9.0})
    asyncio.run(produce(worker, topics.LISTINGS_RAW.name, [(item["listing_id"].encode(), orjson.dumps(item))]))
    asyncio.run(read_until(worker, [topics.DECISIONS.name],
                           lambda rs: any(r["listing_id"] == item["listing_id"] for _, _, r in rs), 60))
    result = cli(worker, "replay", "--from", since.isoformat(), "--rules-version", f"rules-{run_id}", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "re-scored" in result.stderr  # a summary, not a result
    records = asyncio.run(read_until(
        worker, [topics.DECISIONS.name],
        lambda rs: any(r["listing_id"] == item["listing_id"] and r["rules_version"] == f"rules-{run_id}" for _, _, r in rs), 60))
    versions = {r["rules_version"] for _, _, r in records if r["listing_id"] == item["listing_id"]}
    assert versions == {"rules-1", f"rules-{run_id}"}  # the original decision and the re-scored one
