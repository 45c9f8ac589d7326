"""Metrics, probes, alert rules and the dashboard, against a running worker and a real Prometheus."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import orjson
import yaml
from prometheus_client.parser import text_string_to_metric_families

from agents.processes import free_port
from agents.testing import produce
from pipeline import topics
from pipeline.settings import PROJECT_ROOT
from pipeline.testing import listing

PROMETHEUS_DIR = PROJECT_ROOT / "deploy" / "prometheus"
DASHBOARD = PROJECT_ROOT / "deploy" / "grafana" / "counterscan.json"
REQUIRED = {
    "counterscan_listings_processed_total", "counterscan_decisions_total", "counterscan_deadletter_total",
    "counterscan_stage_duration_seconds_bucket", "counterscan_end_to_end_latency_seconds_bucket",
    "counterscan_score_bucket", "counterscan_consumer_lag", "counterscan_batch_size_bucket",
    "counterscan_consumergroup_lag", "counterscan_consumergroup_lag_seconds",
    "counterscan_worker_info", "counterscan_brand_profiles_loaded", "process_resident_memory_bytes",
}


def get(url: str) -> tuple[int, str]:
    """(status, body); status 0 while nothing listens yet."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except urllib.error.URLError:
        return 0, ""


def wait_for(url: str, status: int = 200, timeout_s: float = 60) -> tuple[int, str]:
    """Poll as a probe would: the worker opens its port once its app has started."""
    deadline = time.monotonic() + timeout_s
    while (answer := get(url))[0] != status and time.monotonic() < deadline:
        time.sleep(0.5)
    return answer


def samples(port: int) -> dict[str, float]:
    """Every sample the worker exports, label sets summed per sample name."""
    _, text = wait_for(f"http://127.0.0.1:{port}/metrics")
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
    return totals


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    assert tool, "promtool is not installed (make test installs the Debian prometheus package)"
    return subprocess.run([tool, *args], cwd=PROMETHEUS_DIR, capture_output=True, text=True, timeout=120)


def test_promtool_accepts_the_config_and_rules_and_the_rule_tests_pass():
    for args in (("check", "config", "prometheus.yml"), ("check", "rules", "alerts.yml"),
                 ("test", "rules", "alerts_test.yml")):
        result = promtool(*args)
        assert result.returncode == 0, result.stdout + result.stderr


def test_probes_answer(worker: str, metrics_port: int):
    assert wait_for(f"http://127.0.0.1:{metrics_port}/healthz") == (200, "ok\n")
    status, reason = wait_for(f"http://127.0.0.1:{metrics_port}/readyz")
    assert status == 200 and "partitions" in reason


def test_worker_exports_the_metrics_dashboards_and_alerts_query(worker: str, metrics_port: int, run_id: str):
    asyncio.run(produce(worker, topics.LISTINGS_RAW.name, [
        (f"{run_id}-m".encode(), orjson.dumps(listing(listing_id=f"{run_id}-m"))), (f"{run_id}-x".encode(), b"{"),
    ]))
    deadline = time.monotonic() + 60
    # the assertions read the scrape that ended the wait: the lag gauge is cleared and set again
    # every few seconds, so a second scrape is not bound to hold every series the first one had
    while not REQUIRED <= (exported := samples(metrics_port)).keys() and time.monotonic() < deadline:
        time.sleep(1)
    assert REQUIRED <= exported.keys(), REQUIRED - exported.keys()

    queried = set()
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        for target in panel["targets"]:
            queried |= set(re.findall(r"\b(?:counterscan|process)_[a-z0-9_]+", target["expr"]))
    for rule in _alert_exprs():
        queried |= set(re.findall(r"\b(?:counterscan|process)_[a-z0-9_]+", rule))
    assert queried, "found no metric names in the dashboard and rules"
    assert queried <= exported.keys(), queried - exported.keys()


def _alert_exprs() -> list[str]:
    rules = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def test_a_real_prometheus_scrapes_the_decisions(worker: str, metrics_port: int, run_id: str, tmp_path: Path):
    binary = shutil.which("prometheus")
    assert binary, "prometheus is not installed (make test installs the Debian package)"
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: counterscan\n    static_configs: [{{targets: ['127.0.0.1:{metrics_port}']}}]\n"
    )
    port = free_port()
    before = samples(metrics_port).get("counterscan_decisions_total", 0.0)
    listings = [listing(listing_id=f"{run_id}-p{i}") for i in range(50)]
    asyncio.run(produce(worker, topics.LISTINGS_RAW.name, [(x["listing_id"].encode(), orjson.dumps(x)) for x in listings]))
    server = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
                               f"--web.listen-address=127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=open(tmp_path / "prometheus.log", "wb"))
    try:
        query = urllib.parse.quote('sum(counterscan_decisions_total{job="counterscan"})')
        deadline = time.monotonic() + 90
        value = None
        while time.monotonic() < deadline:
            status, body = get(f"http://127.0.0.1:{port}/api/v1/query?query={query}")
            result = json.loads(body)["data"]["result"] if status == 200 else []
            value = float(result[0]["value"][1]) if result else None
            if value is not None and value >= before + len(listings):
                break
            time.sleep(1)
        assert value is not None and value >= before + len(listings), (value, before, (tmp_path / "prometheus.log").read_text()[-2000:])
        status, body = get(f"http://127.0.0.1:{port}/api/v1/query?query=up")
        assert json.loads(body)["data"]["result"][0]["value"][1] == "1"
    finally:
        server.terminate()
        server.wait(30)
