"""The model lifecycle on the real broker: listings decided, outcomes published for them, a model
trained on those outcomes, published as shadow (every worker adds shadow fields), promoted (every
worker decides with it, no restart), and a malformed or reckless model refused with the previous
one kept."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
import urllib.request
import uuid
from contextlib import ExitStack
from pathlib import Path

import orjson

from agents.cli import main
from agents.kafka.clients import wait_for_group
from agents.processes import first_exit, free_port
from agents.testing import produce, read_until, running_worker, start_group_at_end
from pipeline import topics
from pipeline.models import ModelStatus, encode_model_record, model_record
from pipeline.scoring.model import MODEL_FILE
from pipeline.synthetic.generator import COUNTERFEIT, MALFORMED, ListingGenerator
from pipeline.timestamps import format_timestamp, utc_now

MODELS_INFO = re.compile(r'^counterscan_models_info\{(?P<labels>[^}]*)\} 1\.0$', re.M)


def models_in_force(port: int) -> dict[str, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    found = MODELS_INFO.search(text)
    return dict(re.findall(r'(\w+)="([^"]*)"', found["labels"])) if found else {}


def wait_until_every_worker(ports: list[int], check, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if all(check(models_in_force(port)) for port in ports):
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"workers did not reach the expected models: {[models_in_force(p) for p in ports]}")


def listings(run_id: str, batch: str, count: int, seed: int) -> tuple[list[tuple[bytes, bytes]], dict[str, str]]:
    """Generated listings under this test's ids, sellers, contact points and images, with their ground truth:
    the outcomes this test publishes must not reach the seller networks other tests' listings join."""
    records, truth = [], {}
    mask = int(run_id[:16].ljust(16, "0"), 16)
    for n, item in enumerate(ListingGenerator(seed).take(count)):
        if item.label == MALFORMED:
            continue
        data = orjson.loads(item.value)
        data["listing_id"] = f"{run_id}-{batch}-{n}"
        data["seller"]["id"] = f"{run_id}-{data['seller']['id']}"
        seller = data["seller"]
        if seller.get("contact_hashes"):
            seller["contact_hashes"] = [hashlib.blake2b(f"{run_id}:{h}".encode(), digest_size=16).hexdigest()
                                        for h in seller["contact_hashes"]]
        if data.get("image_phashes"):
            data["image_phashes"] = [f"{int(h, 16) ^ mask:016x}" for h in data["image_phashes"]]
        records.append((data["listing_id"].encode(), orjson.dumps(data)))
        truth[data["listing_id"]] = item.label
    return records, truth


def decided(bootstrap: str, ids: set[str], timeout_s: float = 90) -> dict[str, dict]:
    seen = asyncio.run(read_until(bootstrap, [topics.DECISIONS.name],
                                  lambda got: ids <= {r.get("listing_id") for _, _, r in got}, timeout_s))
    found = {r["listing_id"]: r for _, _, r in seen if r.get("listing_id") in ids}
    assert set(found) == ids, f"{len(ids - set(found))} listings without a decision"
    return found


def test_models_trained_on_outcomes_shadow_then_decide_on_every_worker(topics_created: str, run_id: str,
                                                                       tmp_path: Path):
    bootstrap = topics_created
    group = f"models-{uuid.uuid4().hex[:6]}"
    ports = [free_port(), free_port()]
    published: list[bytes] = []
    started = format_timestamp(utc_now())
    asyncio.run(start_group_at_end(bootstrap, group))
    for i in range(len(ports)):
        (tmp_path / f"w{i}").mkdir()
    with ExitStack() as stack:
        procs = [stack.enter_context(running_worker(bootstrap, tmp_path / f"w{i}", port, scan_group_id=group,
                                                    app_id=f"models-{run_id}-{i}"))
                 for i, port in enumerate(ports)]
        try:
            asyncio.run(wait_for_group(bootstrap, group, 2, timeout_s=90, exited=lambda: first_exit(procs)))
            wait_until_every_worker(ports, lambda m: m.get("live") and m.get("shadow") == "")

            # 1. listings decided by the shipped model, and outcomes published for them
            first, truth = listings(run_id, "a", 1500, seed=5101)
            asyncio.run(produce(bootstrap, topics.LISTINGS_RAW.name, first))
            decisions = decided(bootstrap, set(truth))
            shipped = json.loads(MODEL_FILE.read_text())["version"]
            assert {d["model_version"] for d in decisions.values()} == {shipped}
            outcomes = []
            for n, (listing_id, decision) in enumerate(sorted(decisions.items())):
                if decision["route"] == "clear" and n % 10:
                    continue  # enforcement concludes on suspects, and on a few cleared listings it audits
                kind = "confirmed" if truth[listing_id] == COUNTERFEIT else "rejected"
                outcomes.append((listing_id.encode(), orjson.dumps({
                    "schema_version": 1, "outcome_id": f"{run_id}-o{n}", "decision_id": decision["decision_id"],
                    "listing_id": listing_id, "seller_id": decision["seller_id"], "brand": decision["brand"],
                    "outcome": kind, "decided_by": "it-reviewer", "decided_at": format_timestamp(utc_now())})))
            asyncio.run(produce(bootstrap, topics.OUTCOMES.name, outcomes))

            # 2. a model trained on them
            model_file, report = tmp_path / "model.json", tmp_path / "train.json"
            assert main(["train", "--from-kafka", "--since", started, "--generated", "3000", "--output",
                         str(model_file), "--json", str(report), "--no-progress",
                         "--bootstrap-servers", bootstrap]) == 0
            trained = json.loads(report.read_text())
            model_id = trained["version"]
            labels = trained["trained_on"]["outcomes"]
            assert labels["examples"] == len(outcomes) and labels["counterfeit"] > 5 and labels["genuine"] > 5
            assert sum(sum(kinds.values()) for kinds in labels["labels_per_brand"].values()) == len(outcomes)
            assert {s["source"] for s in trained["trained_on"]["others"]} == {"generated"}
            published.append(model_id.encode())

            # 3. published as shadow: every worker adds shadow fields, the live model still decides
            assert main(["models", "publish", str(model_file), "--shadow", "--bootstrap-servers", bootstrap]) == 0
            wait_until_every_worker(ports, lambda m: m.get("shadow") == model_id and m.get("live") == shipped)
            second, _ = listings(run_id, "b", 800, seed=5102)
            asyncio.run(produce(bootstrap, topics.LISTINGS_RAW.name, second))
            shadowed = decided(bootstrap, {k.decode() for k, _ in second})
            assert all(d["model_version"] == shipped and d["shadow"]["model_version"] == model_id
                       for d in shadowed.values())
            compared = tmp_path / "compare.json"
            assert main(["models", "compare", model_id, "--json", str(compared), "--no-progress",
                         "--bootstrap-servers", bootstrap]) == 0
            assert json.loads(compared.read_text())["brands"]["all"]["decisions"] >= len(shadowed)

            # 4. promoted: every worker decides with it, without a restart
            assert main(["models", "promote", model_id, "--bootstrap-servers", bootstrap]) == 0
            wait_until_every_worker(ports, lambda m: m.get("live") == model_id and m.get("shadow") == "")
            third, _ = listings(run_id, "c", 400, seed=5103)
            asyncio.run(produce(bootstrap, topics.LISTINGS_RAW.name, third))
            assert {d["model_version"] for d in decided(bootstrap, {k.decode() for k, _ in third}).values()} == {model_id}

            # 5. a malformed and a reckless model: refused to the dead-letter topic, the live one stays
            reckless = model_record({**json.loads(model_file.read_text()), "version": f"{run_id}-reckless",
                                     "intercept": 10.0}, ModelStatus.LIVE)
            published += [f"{run_id}-reckless".encode(), f"{run_id}-broken".encode()]
            asyncio.run(produce(bootstrap, topics.MODELS.name, [
                encode_model_record(reckless), (f"{run_id}-broken".encode(), b'{"model_id": "broken", "status": "live"}')]))
            refused = asyncio.run(read_until(bootstrap, [topics.DEADLETTER.name], lambda got: sum(
                1 for _, key, r in got if r.get("source", {}).get("topic") == topics.MODELS.name
                and key in published[1:]) >= 2 * len(ports), 60))
            reasons = [r["detail"] for _, key, r in refused if key == published[1]]
            assert reasons and all("takedown" in detail for detail in reasons)
            fourth, _ = listings(run_id, "d", 300, seed=5104)
            asyncio.run(produce(bootstrap, topics.LISTINGS_RAW.name, fourth))
            assert {d["model_version"] for d in decided(bootstrap, {k.decode() for k, _ in fourth}).values()} == {model_id}
            assert all(models_in_force(port)["live"] == model_id for port in ports)
            assert all(proc.poll() is None for proc in procs)
        finally:
            # tombstones: the session's other workers go back to the shipped model
            asyncio.run(produce(bootstrap, topics.MODELS.name, [(key, None) for key in published]))


def test_training_on_too_few_outcomes_is_refused_with_a_clear_message(topics_created: str, tmp_path: Path, capsys):
    future = "2099-01-01T00:00:00Z"  # no outcome is that recent
    output = tmp_path / "never.json"
    assert main(["train", "--from-kafka", "--since", future, "--output", str(output), "--no-progress",
                 "--bootstrap-servers", topics_created]) == 1
    assert "only 0 labels from outcomes" in capsys.readouterr().err
    assert not output.exists()
