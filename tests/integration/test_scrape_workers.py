"""Three workers, three targets: a real Prometheus scrapes each worker on its own port, and the
sum of their decision counters is exactly the decisions they produced. Compose's config reaches
the same per-container targets through DNS service discovery."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
import time
import urllib.parse
import uuid
from pathlib import Path

import orjson
import yaml

from agents.kafka.clients import wait_for_group
from agents.processes import first_exit, free_port
from agents.testing import produce, running_worker, start_group_at_end
from pipeline import topics
from pipeline.settings import PROJECT_ROOT
from pipeline.testing import listing
from tests.integration.test_observability import get

DEPLOY = PROJECT_ROOT / "deploy"


def test_compose_prometheus_finds_each_worker_container_by_dns():
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "counterscan"]
    assert "static_configs" not in job  # a static worker:9108 reaches one container of many
    (sd,) = job["dns_sd_configs"]
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert sd["names"] == ["worker"] and "worker" in compose["services"] and sd["type"] == "A"
    assert str(sd["port"]) in compose["services"]["worker"]["expose"]
    assert "kafka-exporter" in compose["services"]
    assert any(j["job_name"] == "kafka" for j in config["scrape_configs"])


def test_three_workers_are_three_targets_whose_decisions_add_up(topics_created: str, run_id: str, tmp_path: Path):
    binary = shutil.which("prometheus")
    assert binary, "prometheus is not installed (make test installs the Debian package)"
    bootstrap, group = topics_created, f"scrape-{uuid.uuid4().hex[:6]}"
    asyncio.run(start_group_at_end(bootstrap, group))
    ports = [free_port() for _ in range(3)]
    for i in range(3):
        (tmp_path / f"w{i}").mkdir()
    with contextlib.ExitStack() as stack:
        workers = [stack.enter_context(running_worker(bootstrap, tmp_path / f"w{i}", port, scan_group_id=group,
                                                      app_id=f"scrape-{run_id}-{i}", roles="scan"))
                   for i, port in enumerate(ports)]
        asyncio.run(wait_for_group(bootstrap, group, 3, timeout_s=120, exited=lambda: first_exit(workers)))
        sent = [listing(listing_id=f"{run_id}-s{i}") for i in range(300)]
        asyncio.run(produce(bootstrap, topics.LISTINGS_RAW.name, [(x["listing_id"].encode(), orjson.dumps(x)) for x in sent]))
        config = tmp_path / "prometheus.yml"
        targets = ", ".join(f"'127.0.0.1:{port}'" for port in ports)
        config.write_text("global: {scrape_interval: 1s}\nscrape_configs:\n"
                          f"  - job_name: counterscan\n    static_configs: [{{targets: [{targets}]}}]\n")
        web = free_port()
        server = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
                                   f"--web.listen-address=127.0.0.1:{web}"],
                                  stdout=subprocess.DEVNULL, stderr=open(tmp_path / "prometheus.log", "wb"))
        try:
            def query(expr: str) -> list[dict]:
                status, body = get(f"http://127.0.0.1:{web}/api/v1/query?query={urllib.parse.quote(expr)}")
                return json.loads(body)["data"]["result"] if status == 200 else []

            deadline, total, up = time.monotonic() + 120, None, []
            while time.monotonic() < deadline:
                up = query('up{job="counterscan"} == 1')
                result = query('sum(counterscan_decisions_total{job="counterscan"})')
                total = float(result[0]["value"][1]) if result else None
                if len(up) == 3 and total == len(sent):
                    break
                time.sleep(1)
            per_target = query('sum by (instance) (counterscan_decisions_total{job="counterscan"})')
        finally:
            server.terminate()
            server.wait(30)
    assert len(up) == 3, up
    assert total == len(sent), (total, (tmp_path / "prometheus.log").read_text()[-2000:])
    assert len(per_target) == 3 and sum(float(r["value"][1]) for r in per_target) == len(sent)
